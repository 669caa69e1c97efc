using CategoricalVae.Common;
using CategoricalVae.Model;
using TorchSharp;

namespace CategoricalVae.Runs;

/// <summary>
/// A run folder opened to read what it trained: `evaluate`, `gradvar`, `--resume` and every command that reads a
/// checkpoint start here, so the checks (a folder, its config.json, a whole checkpoint of the configured model) and
/// their messages are the same everywhere. Opening reads; it locks nothing (a resume takes the lock through
/// <see cref="RunDirectory.Open"/>).
/// </summary>
public sealed class TrainedRun
{
    TrainedRun(RunLayout layout, RunConfig config, string checkpointFile, CheckpointState? state)
    {
        (Layout, Config, CheckpointFile, State) = (layout, config, checkpointFile, state);
    }

    public RunLayout Layout { get; }
    public string Folder => Layout.Folder;
    public RunConfig Config { get; }
    public TrainOptions Options => Config.Options;

    /// <summary>The checkpoint to read: the run's own, or the one the command named.</summary>
    public string CheckpointFile { get; }

    /// <summary>The checkpoint's state; null only for a run opened to resume whose checkpoint is missing or damaged
    /// (<see cref="ResumeState"/> decides what then happens).</summary>
    public CheckpointState? State { get; }

    /// <summary>The checkpoint as reports name it: its file name when it lies in the run folder, else its full path
    /// (reports carry no path of the machine that made them unless the user pointed outside the run).</summary>
    public string CheckpointName =>
        Path.GetFullPath(Path.GetDirectoryName(Path.GetFullPath(CheckpointFile))!) == Path.GetFullPath(Folder).TrimEnd(Path.DirectorySeparatorChar)
            ? Path.GetFileName(CheckpointFile) : Path.GetFullPath(CheckpointFile);

    /// <summary>The temperature the model had at its checkpoint (the initial one before any training).</summary>
    public double Temperature => State is { Temperature: > 0 } s ? s.Temperature : Options.Temperature;

    /// <summary>Opens <paramref name="folder"/> to read a checkpoint: the run's latest, or <paramref name="checkpoint"/>, a
    /// file or the number of an epoch the run kept (--keep-checkpoints). Anything missing, unreadable or inconsistent
    /// is refused with one line that starts with <paramref name="command"/>.</summary>
    public static TrainedRun Open(string folder, string command, string? checkpoint = null)
    {
        var (layout, config) = OpenFolder(folder, command);
        string file = checkpoint == null ? layout.CheckpointFile : KeptOrFile(layout, command, checkpoint);
        if (Directory.Exists(file))
            throw UserFacingException.Refused($"{command}: {file} is a folder, not a checkpoint.");
        if (!File.Exists(file))
            throw UserFacingException.Refused(checkpoint == null
                ? $"{command}: {file} does not exist (the run has not started training)."
                : $"{command}: {file} does not exist.");
        var state = Checkpoint.Load(file);
        var o = config.Options;
        if (state.LatentDim != o.LatentDim || state.Categories != o.Categories)
            throw UserFacingException.Refused($"{command}: {file} holds a {state.LatentDim}×{state.Categories} model but config.json says {o.LatentDim}×{o.Categories}.");
        return new TrainedRun(layout, config, file, state);
    }

    /// <summary>Opens <paramref name="folder"/> to continue training it: its folder and config.json must be sound; its
    /// checkpoint may be missing or damaged (then <see cref="State"/> is null).</summary>
    public static TrainedRun OpenToResume(string folder)
    {
        var (layout, config) = OpenFolder(folder, "--resume");
        CheckpointState? state = null;
        try { state = File.Exists(layout.CheckpointFile) ? Checkpoint.Load(layout.CheckpointFile) : null; }
        catch (UserFacingException) { }
        return new TrainedRun(layout, config, layout.CheckpointFile, state);
    }

    /// <summary>The kept checkpoint of epoch <paramref name="checkpoint"/> when it is a whole number, else the file it names.</summary>
    static string KeptOrFile(RunLayout layout, string command, string checkpoint)
    {
        if (!int.TryParse(checkpoint, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int epoch))
            return checkpoint;
        string kept = layout.KeptCheckpoint(epoch);
        if (File.Exists(kept))
            return kept;
        var available = KeptEpochs(layout);
        throw UserFacingException.Refused($"{command}: {layout.Name} kept no checkpoint of epoch {epoch} " +
            (available.Count == 0 ? "(it keeps none: train with --keep-checkpoints)." : $"(it keeps epochs {string.Join(", ", available)})."));
    }

    /// <summary>The epochs whose checkpoints the run folder holds, in increasing order.</summary>
    public static IReadOnlyList<int> KeptEpochs(RunLayout layout) =>
        Directory.EnumerateFiles(layout.Folder, RunLayout.KeptCheckpointPrefix + "*.bin")
            .Select(f => Path.GetFileNameWithoutExtension(f)[RunLayout.KeptCheckpointPrefix.Length..])
            .Select(n => int.TryParse(n, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int e) ? e : -1)
            .Where(e => e >= 0).Order().ToList();

    static (RunLayout, RunConfig) OpenFolder(string folder, string command)
    {
        if (!Directory.Exists(folder))
            throw UserFacingException.Refused($"{command}: {folder} is not a folder.");
        var layout = new RunLayout(folder);
        if (!File.Exists(layout.ConfigFile))
            throw UserFacingException.Refused($"{command}: {folder} has no {RunLayout.ConfigName}, so it is not a run folder.");
        return (layout, RunConfig.Load(layout.ConfigFile));
    }

    /// <summary>A warning when a live process is training the run: what is read is the checkpoint of the moment.</summary>
    public string? LiveTrainingWarning() =>
        RunDirectory.LiveOwner(Folder) is { } owner
            ? $"warning: {Folder} is being trained by {owner.Describe()}; this reads the checkpoint of epoch {State?.EpochsCompleted}, which the run will replace."
            : null;

    /// <summary>The run's model with the checkpoint's weights, on <paramref name="device"/>.</summary>
    public CategoricalVaeModel LoadModel(torch.Device device)
    {
        var o = Options;
        var model = ModelFactory.Create(o.LatentDim, o.Categories, o.ReluOnLogits, o.Seed);
        try
        {
            Checkpoint.Load(CheckpointFile, model);
            model.to(device);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
