using System.CommandLine;
using System.CommandLine.Parsing;
using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Training;

namespace CategoricalVae.Cli;

/// <summary>The training options of the root command, with defaults and validation.</summary>
public sealed class TrainCommandLine
{
    public readonly Option<int> Epochs = new("--epochs") { Description = "Epochs to train", DefaultValueFactory = _ => 10 };
    public readonly Option<int> BatchSize = new("--batch-size") { Description = "Examples per batch", DefaultValueFactory = _ => 100 };
    public readonly Option<double> Lr = new("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3 };
    public readonly Option<bool> Hard = new("--hard") { Description = "Straight-through hard one-hot samples (default: soft)" };
    public readonly Option<double> Temperature = new("--temperature") { Description = "Initial Gumbel-Softmax temperature τ0", DefaultValueFactory = _ => 1.0 };
    public readonly Option<double> TempMin = new("--temp-min") { Description = "Lowest temperature of the annealing", DefaultValueFactory = _ => 0.5 };
    public readonly Option<double> AnnealRate = new("--anneal-rate") { Description = "Exponential annealing rate per step", DefaultValueFactory = _ => 3e-5 };
    public readonly Option<int> AnnealEvery = new("--anneal-every") { Description = "Re-evaluate τ every N steps (global schedule)", DefaultValueFactory = _ => 100 };
    public readonly Option<AnnealSchedule> AnnealScheduleKind = new("--anneal-schedule") { Description = "global: τ from the global step; seed: the source script's per-epoch schedule", DefaultValueFactory = _ => AnnealSchedule.Global };
    public readonly Option<int> LatentDim = new("--latent-dim") { Description = "Number of categorical latent variables", DefaultValueFactory = _ => 30 };
    public readonly Option<int> Categories = new("--categories") { Description = "Categories per latent variable", DefaultValueFactory = _ => 10 };
    public readonly Option<bool> NoLogitRelu = new("--no-logit-relu") { Description = "Drop the source's ReLU on the encoder logits" };
    public readonly Option<long> Seed = new("--seed") { Description = "Seed of every random draw", DefaultValueFactory = _ => 2020 };
    public readonly Option<int> LogInterval = new("--log-interval") { Description = "Log a training line every N batches", DefaultValueFactory = _ => 10 };
    public readonly Option<string> Device = new("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
    public readonly Option<int> Threads = new("--threads") { Description = "CPU threads for libtorch (default: number of cores)", DefaultValueFactory = _ => DefaultThreads };
    public readonly Option<string> DataDir = new("--data-dir") { Description = "Folder with the MNIST IDX files (fetched if missing)", DefaultValueFactory = _ => "data" };
    public readonly Option<string> RunsDir = new("--runs-dir") { Description = "Folder that receives run folders", DefaultValueFactory = _ => "runs" };
    public readonly Option<string?> Name = new("--name") { Description = "Label appended to the run folder name" };
    public readonly Option<int?> TrainLimit = new("--train-limit") { Description = "Use only the first N training examples" };
    public readonly Option<int?> TestLimit = new("--test-limit") { Description = "Use only the first N test examples" };
    public readonly Option<string?> Resume = new("--resume") { Description = "Continue the run in this folder from its last checkpoint" };
    public readonly Option<bool> Offline = new("--offline") { Description = "Never fetch MNIST; use only files on disk" };
    public readonly Option<bool> Force = new("--force") { Description = "With --resume: repair a damaged run (drop unreadable metrics lines, or restart from epoch 1 if the checkpoint is corrupt), keeping backups" };
    public readonly Option<bool> NoTensorBoard = new("--no-tensorboard") { Description = "Do not write TensorBoard event files" };

    public readonly Option<Binarization> Binarize = new("--binarize") { Description = "none: grey levels (the source); fixed: binarise once from a seeded draw (the paper); dynamic: re-draw every training batch", DefaultValueFactory = _ => Binarization.None };
    public readonly Option<long?> BinarizeSeed = new("--binarize-seed") { Description = "Seed of the binarisation thresholds (default: --seed); recorded in config.json" };

    public readonly Option<bool> StockAdam = new("--stock-adam") { Description = "Use TorchSharp's stock Adam step instead of the fused one (same update rule, ≈4 ms/step slower; for checking)" };

    public static int DefaultThreads => Environment.ProcessorCount;

    public IEnumerable<Option> All =>
    [
        Epochs, BatchSize, Lr, Hard, Temperature, TempMin, AnnealRate, AnnealEvery, AnnealScheduleKind, LatentDim,
        Categories, NoLogitRelu, Seed, LogInterval, Device, Threads, DataDir, RunsDir, Name, TrainLimit, TestLimit, Resume, Force, Offline, NoTensorBoard,
        Binarize, BinarizeSeed, StockAdam,
    ];

    /// <summary>Options that define the model or its training; --resume refuses values that differ from the run's.</summary>
    public IEnumerable<Option> RunDefining =>
        [BatchSize, Lr, Hard, Temperature, TempMin, AnnealRate, AnnealEvery, AnnealScheduleKind, LatentDim, Categories, NoLogitRelu, Seed, TrainLimit, TestLimit, Binarize, BinarizeSeed];

    public TrainOptions Read(ParseResult p) => new()
    {
        Epochs = p.GetValue(Epochs),
        BatchSize = p.GetValue(BatchSize),
        LearningRate = p.GetValue(Lr),
        Hard = p.GetValue(Hard),
        Temperature = p.GetValue(Temperature),
        TempMin = p.GetValue(TempMin),
        AnnealRate = p.GetValue(AnnealRate),
        AnnealEvery = p.GetValue(AnnealEvery),
        AnnealSchedule = p.GetValue(AnnealScheduleKind),
        LatentDim = p.GetValue(LatentDim),
        Categories = p.GetValue(Categories),
        ReluOnLogits = !p.GetValue(NoLogitRelu),
        Seed = p.GetValue(Seed),
        LogInterval = p.GetValue(LogInterval),
        Device = p.GetValue(Device)!,
        Threads = p.GetValue(Threads),
        DataDir = p.GetValue(DataDir)!,
        RunsDir = p.GetValue(RunsDir)!,
        Name = p.GetValue(Name),
        TrainLimit = p.GetValue(TrainLimit),
        TestLimit = p.GetValue(TestLimit),
        Offline = p.GetValue(Offline),
        TensorBoard = !p.GetValue(NoTensorBoard),
        Binarize = p.GetValue(Binarize),
        StockAdam = p.GetValue(StockAdam),
        // Kept when given with --binarize none so Validate can refuse the combination.
        BinarizeSeed = p.GetValue(BinarizeSeed) ?? (p.GetValue(Binarize) == Binarization.None ? null : p.GetValue(Seed)),
    };

    /// <summary>The first problem with the values, as one line, or null. Checked before any work starts.</summary>
    public static string? Validate(TrainOptions o, string? resume)
    {
        // exp(-700) is near double's limit; τ below 1e-4 turns logits/τ into overflow in float32 softmax.
        const double MinTemperature = 1e-4;
        if (o.Epochs < 1) return $"--epochs must be at least 1 (got {o.Epochs}).";
        if (o.BatchSize < 1) return $"--batch-size must be at least 1 (got {o.BatchSize}).";
        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate)) return $"--lr must be a positive number (got {o.LearningRate}).";
        if (!(o.Temperature > 0) || double.IsInfinity(o.Temperature)) return $"--temperature must be a positive number (got {o.Temperature}).";
        if (!(o.TempMin > 0) || double.IsInfinity(o.TempMin)) return $"--temp-min must be a positive number (got {o.TempMin}).";
        if (o.TempMin < MinTemperature) return $"--temp-min {o.TempMin} is below {MinTemperature}: float32 softmax of logits/τ would overflow.";
        if (o.TempMin > o.Temperature) return $"--temp-min ({o.TempMin}) must not exceed --temperature ({o.Temperature}).";
        if (!(o.AnnealRate >= 0) || double.IsInfinity(o.AnnealRate)) return $"--anneal-rate must be zero or positive (got {o.AnnealRate}).";
        if (o.AnnealEvery < 1) return $"--anneal-every must be at least 1 (got {o.AnnealEvery}).";
        if (o.LatentDim < 1) return $"--latent-dim must be at least 1 (got {o.LatentDim}).";
        if (o.Categories < 2) return $"--categories must be at least 2 (got {o.Categories}).";
        if (o.LogInterval < 1) return $"--log-interval must be at least 1 (got {o.LogInterval}).";
        if (!DeviceChoice.Names.Contains(o.Device)) return $"--device must be one of {string.Join(", ", DeviceChoice.Names)} (got '{o.Device}').";
        if (o.Threads < 1) return $"--threads must be at least 1 (got {o.Threads}).";
        if (o.TrainLimit is < 1) return $"--train-limit must be at least 1 (got {o.TrainLimit}).";
        if (o.TestLimit is < 1) return $"--test-limit must be at least 1 (got {o.TestLimit}).";
        if (o.Name is { } name && (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/') || name.Contains('\\') || name.Length > 80))
            return $"--name '{name}' must be a short folder-safe label (no slashes or special characters).";
        if (o.Binarize == Binarization.None && o.BinarizeSeed != null) return "--binarize-seed needs --binarize fixed or dynamic.";
        if (resume != null && !Directory.Exists(resume)) return $"--resume: {resume} is not a folder.";
        if (resume != null && !File.Exists(Path.Combine(resume, "checkpoint.bin")))
            return $"--resume: {resume} has no checkpoint.bin (the run never finished an epoch, or it is not a run folder).";
        return null;
    }
}
