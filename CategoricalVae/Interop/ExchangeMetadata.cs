using System.Text.Json;
using System.Text.Json.Nodes;
using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Runs;

namespace CategoricalVae.Interop;

/// <summary>
/// The JSON `export` writes beside the weights (X.pt.json): what a loader must know to rebuild and use the model,
/// where it came from, and the run's options, so that `import` makes a run that evaluates as the original did.
/// Property names are a published format (docs/interop.md).
/// </summary>
public sealed record ExchangeMetadata
{
    /// <summary>Options of a machine or a session, not of the model: left out of <see cref="Options"/>.</summary>
    static readonly string[] SessionKeys = ["device", "threads", "data_dir", "runs_dir", "offline", "name", "log_interval", "stock_adam", "keep_checkpoints"];

    public string Model { get; init; } = "VAE_gumbel";
    public required string Format { get; init; }
    public required string WeightsFile { get; init; }
    public required string WeightsSha256 { get; init; }
    public string Dtype { get; init; } = "float32";

    /// <summary>Every tensor's name and shape, in the model's order.</summary>
    public required Dictionary<string, long[]> Tensors { get; init; }

    public required int LatentDim { get; init; }
    public required int Categories { get; init; }

    /// <summary>Whether the encoder's logits pass the ReLU, as in the original's encode (false: --no-logit-relu).</summary>
    public required bool ReluOnLogits { get; init; }
    public required string Estimator { get; init; }
    public required bool Hard { get; init; }

    /// <summary>τ at the checkpoint.</summary>
    public required double Temperature { get; init; }
    public required string Binarize { get; init; }
    public long? BinarizeSeed { get; init; }

    public required string Run { get; init; }
    public string? GitCommit { get; init; }
    public required string Checkpoint { get; init; }
    public required int EpochsCompleted { get; init; }
    public required long GlobalStep { get; init; }
    public string? ExporterGitCommit { get; init; }
    public required DateTime WrittenUtc { get; init; }

    /// <summary>The run's model and training options as in its config.json, without machine and session settings.</summary>
    public required JsonObject Options { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, RunConfig.Json);

    /// <summary>The metadata of an export of <paramref name="run"/> to <paramref name="weightsFile"/>.</summary>
    public static ExchangeMetadata For(TrainedRun run, WeightsFormat format, string weightsFile, string sha256, IEnumerable<(string Name, long[] Shape)> tensors)
    {
        var o = run.Options;
        var options = JsonSerializer.SerializeToNode(o, RunConfig.Json)!.AsObject();
        foreach (string key in SessionKeys)
            options.Remove(key);
        return new ExchangeMetadata
        {
            Format = WeightsFormats.Name(format),
            WeightsFile = Path.GetFileName(weightsFile),
            WeightsSha256 = sha256,
            Tensors = tensors.ToDictionary(t => t.Name, t => t.Shape),
            LatentDim = o.LatentDim,
            Categories = o.Categories,
            ReluOnLogits = o.ReluOnLogits,
            Estimator = GradientEstimators.Name(o.Estimator),
            Hard = o.Hard,
            Temperature = run.Temperature,
            Binarize = o.Binarize.ToString().ToLowerInvariant(),
            BinarizeSeed = o.Binarize == Binarization.None ? null : o.BinarizationSeed,
            Run = run.Layout.Name,
            GitCommit = run.Config.GitCommit,
            Checkpoint = run.CheckpointName,
            EpochsCompleted = run.State!.EpochsCompleted,
            GlobalStep = run.State.GlobalStep,
            ExporterGitCommit = RunConfig.CurrentGitCommit(),
            WrittenUtc = DateTime.UtcNow,
            Options = options,
        };
    }

    /// <summary>Reads the JSON beside a weights file; anything unreadable is refused (exit 2) naming the file.</summary>
    public static ExchangeMetadata Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ExchangeMetadata>(File.ReadAllText(path), RunConfig.Json)
                   ?? throw UserFacingException.Refused($"import: {path}: empty metadata.");
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 2 } p ? $" at {p[2..]}" : "";
            throw UserFacingException.Refused($"import: {path}: cannot read the metadata beside the weights (a value{where} is missing, malformed or of the wrong type); move it away to import the weights without it.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserFacingException.Refused($"import: {path}: cannot be read ({e.Message.Split('\n')[0]}).");
        }
    }

    /// <summary>The options of the run an import makes: the exported run's, with the model's facts from this file and
    /// τ at the checkpoint as the starting temperature (training continues where the export stopped).</summary>
    public TrainOptions ToOptions(string path)
    {
        TrainOptions options;
        try
        {
            options = Options.Deserialize<TrainOptions>(RunConfig.Json) ?? TrainOptions.Defaults;
        }
        catch (JsonException)
        {
            throw UserFacingException.Refused($"import: {path}: its options cannot be read; move it away to import the weights without it.");
        }
        var estimator = GradientEstimators.Parse(Estimator)
            ?? throw UserFacingException.Refused($"import: {path}: estimator '{Estimator}' is not one this program knows.");
        if (!Enum.TryParse<Binarization>(Binarize, ignoreCase: true, out var binarize))
            throw UserFacingException.Refused($"import: {path}: binarize '{Binarize}' is not none, fixed or dynamic.");
        var defaults = TrainOptions.Defaults;
        return options with
        {
            LatentDim = LatentDim, Categories = Categories, ReluOnLogits = ReluOnLogits, Estimator = estimator,
            Temperature = Temperature, Binarize = binarize, BinarizeSeed = BinarizeSeed,
            Device = defaults.Device, Threads = defaults.Threads, DataDir = defaults.DataDir, RunsDir = defaults.RunsDir,
            Offline = defaults.Offline, Name = null, LogInterval = defaults.LogInterval, StockAdam = defaults.StockAdam, KeepCheckpoints = null,
        };
    }
}
