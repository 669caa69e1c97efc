using System.Text.RegularExpressions;

namespace CategoricalVae.Runs;

/// <summary>
/// The files of a run folder: the only place their names are spelled (docs/runs.md describes them).
/// </summary>
public sealed class RunLayout
{
    public const string ConfigName = "config.json";
    public const string MetricsName = "metrics.csv";
    public const string LogName = "train.log";
    public const string CheckpointName = "checkpoint.bin";
    public const string LossPlotName = "loss.png";
    public const string LockName = "run.lock";
    public const string EvaluationName = "evaluation.json";
    public const string LatentsName = "latents.csv";
    public const string GradientVarianceName = "gradvar.json";
    public const string TensorBoardPrefix = "events.out.tfevents.";

    /// <summary>Extensions of the weights `export` writes: a PyTorch state_dict (torch.save's zip) and safetensors.</summary>
    public const string PytorchExtension = ".pt", SafetensorsExtension = ".safetensors";

    /// <summary>Added to an exported weights file's name for the JSON beside it (X.pt → X.pt.json).</summary>
    public const string ExportMetadataSuffix = ".json";

    /// <summary>Suffix of the copies --force keeps of the files it repairs.</summary>
    public const string DamagedSuffix = ".damaged";

    public RunLayout(string folder) => Folder = folder;

    public string Folder { get; }
    public string Name => Path.GetFileName(Path.TrimEndingDirectorySeparator(Folder));

    public string ConfigFile => File(ConfigName);
    public string MetricsFile => File(MetricsName);
    public string LogFile => File(LogName);
    public string CheckpointFile => File(CheckpointName);
    public string LossPlotFile => File(LossPlotName);
    public string LockFile => File(LockName);
    public string EvaluationFile => File(EvaluationName);
    public string LatentsFile => File(LatentsName);
    public string GradientVarianceFile => File(GradientVarianceName);

    /// <summary>The checkpoint of <paramref name="epoch"/> kept beside the latest (--keep-checkpoints).</summary>
    public string KeptCheckpoint(int epoch) => File($"{KeptCheckpointPrefix}{epoch}.bin");

    public const string KeptCheckpointPrefix = "checkpoint-epoch-";

    /// <summary>Where `export` writes by default: named after the run, with the epoch when it exports a kept
    /// checkpoint rather than the latest.</summary>
    public string ExportFile(string extension, int? keptEpoch = null) =>
        File(keptEpoch == null ? $"{Name}{extension}" : $"{Name}-epoch-{keptEpoch}{extension}");

    /// <summary>The JSON beside exported weights, which `import` reads when it is there.</summary>
    public static string ExportMetadataFile(string weightsFile) => weightsFile + ExportMetadataSuffix;

    const string TrainReconstructionPrefix = "reconstruction-train-", TestReconstructionPrefix = "reconstruction-test-",
        PriorSamplesPrefix = "samples-", LatentUsagePrefix = "latent-usage-", TraversalPrefix = "traversal-", PictureExtension = ".png";

    public string TrainReconstruction(int epoch) => Picture(TrainReconstructionPrefix, epoch);
    public string TestReconstruction(int epoch) => Picture(TestReconstructionPrefix, epoch);
    public string PriorSamples(int epoch) => Picture(PriorSamplesPrefix, epoch);
    public string LatentUsage(int epoch) => Picture(LatentUsagePrefix, epoch);
    public string Traversal(int epoch) => Picture(TraversalPrefix, epoch);

    public static string Damaged(string path) => path + DamagedSuffix;

    /// <summary>True when a run writes files of this name: every name above, an epoch's picture or kept checkpoint,
    /// a TensorBoard event file, and their temp files and repair copies. A command's output may not take such a
    /// name inside a run folder (<see cref="OutputPath"/>).</summary>
    public static bool Owns(string fileName)
    {
        // The temp file of an atomic write, a stale lock moved aside, a repair's copy: named after the file they stand for.
        string name = Regex.Replace(fileName, @"(\.tmp|\.stale-.*|\.damaged(-\d+)?)$", "", RegexOptions.CultureInvariant);
        if (name != fileName)
            return Owns(name);
        return name is ConfigName or MetricsName or LogName or CheckpointName or LossPlotName or LockName or EvaluationName
                   or LatentsName or GradientVarianceName
               || name.StartsWith(TensorBoardPrefix, StringComparison.Ordinal)
               || Numbered(name, KeptCheckpointPrefix, ".bin")
               || new[] { TrainReconstructionPrefix, TestReconstructionPrefix, PriorSamplesPrefix, LatentUsagePrefix, TraversalPrefix }
                   .Any(prefix => Numbered(name, prefix, PictureExtension));
    }

    /// <summary>True for the files `export` writes into this run folder by default (<see cref="ExportFile"/> and the
    /// JSON beside it), which no other command's output may take.</summary>
    public bool OwnsExport(string fileName)
    {
        string name = fileName.EndsWith(ExportMetadataSuffix, StringComparison.Ordinal) ? fileName[..^ExportMetadataSuffix.Length] : fileName;
        string? stem = new[] { PytorchExtension, SafetensorsExtension }.Where(e => name.EndsWith(e, StringComparison.Ordinal)).Select(e => name[..^e.Length]).FirstOrDefault();
        return stem == Name || (stem != null && Numbered(stem + ".", Name + "-epoch-", "."));
    }

    static bool Numbered(string name, string prefix, string extension) =>
        name.Length > prefix.Length + extension.Length && name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(extension, StringComparison.Ordinal)
        && name[prefix.Length..^extension.Length].All(char.IsAsciiDigit);

    /// <summary>The run folder <paramref name="folder"/> lies in (it or one of the folders above it), or null.</summary>
    public static string? EnclosingRun(string folder)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(folder)); dir != null; dir = dir.Parent)
            if (new RunLayout(dir.FullName).HoldsRun)
                return dir.FullName;
        return null;
    }

    /// <summary>True when the folder is a run's: its lock, or its config.json beside metrics or a checkpoint (a
    /// config.json alone is too common a name to say so).</summary>
    public bool HoldsRun => System.IO.File.Exists(LockFile)
                            || (System.IO.File.Exists(ConfigFile) && (System.IO.File.Exists(MetricsFile) || System.IO.File.Exists(CheckpointFile)));

    string Picture(string prefix, int epoch) => File($"{prefix}{epoch}{PictureExtension}");

    /// <summary>True when the folder holds anything a run writes first.</summary>
    public bool LooksLikeRun => System.IO.File.Exists(ConfigFile) || System.IO.File.Exists(MetricsFile) || System.IO.File.Exists(CheckpointFile);

    string File(string name) => Path.Combine(Folder, name);
}
