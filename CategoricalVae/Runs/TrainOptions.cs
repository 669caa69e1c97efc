using System.Text.Json.Serialization;
using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;

namespace CategoricalVae.Runs;

/// <summary>
/// Everything that defines a training run, with its defaults and its validation rules (the one home of both:
/// the command line builds its options from here and a resumed run's config.json is checked here too).
/// Serialised into config.json; property names there are a published format.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>Largest code (latent-dim × categories) the model is built for; far above any useful size. Its checkpoint
    /// (weights and Adam's two moments, ≈ 6.2 KB per code unit) must stay below the 2 GB a checkpoint can hold.</summary>
    public const long MaxCodeSize = 300_000;

    /// <summary>Smallest temperature: below it float32 softmax of logits/τ overflows.</summary>
    public const double MinTemperature = 1e-4;

    public const int MaxThreads = 256;

    /// <summary>Every default; <see cref="Autograd"/> is false for new runs (a config.json without it reads as null).</summary>
    public static readonly TrainOptions Defaults = new() { Autograd = false };

    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 100;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>The source's --hard: true exactly when the estimator is straight-through Gumbel-Softmax. Kept in
    /// config.json (written before "estimator", which wins when both are read) so older folders and readers work.</summary>
    [JsonPropertyOrder(-1)]
    public bool Hard
    {
        get => Estimator == GradientEstimator.StGumbelSoftmax;
        init
        {
            if (value) Estimator = GradientEstimator.StGumbelSoftmax;
            else if (Estimator == GradientEstimator.StGumbelSoftmax) Estimator = GradientEstimator.GumbelSoftmax;
        }
    }

    public GradientEstimator Estimator { get; init; } = GradientEstimator.GumbelSoftmax;

    /// <summary>Gumbel-Rao's conditional Gumbel draws per sample (used by that estimator only).</summary>
    public int RaoSamples { get; init; } = EstimatorSettings.DefaultRaoSamples;

    /// <summary>RLOO's samples per example (used by that estimator only).</summary>
    public int RlooSamples { get; init; } = EstimatorSettings.DefaultRlooSamples;

    /// <summary>The arithmetic of the fused pass's matrix products.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>Train in bfloat16 on a processor without bfloat16 dot products, which MKL then emulates (the same
    /// arithmetic, no faster than float32): for checking accuracy. A session setting, not part of the run.</summary>
    public bool EmulateBf16 { get; init; }

    /// <summary>The estimators' own settings, as this run gives them.</summary>
    [JsonIgnore]
    public EstimatorSettings EstimatorSettings => new(RaoSamples, RlooSamples);
    public double Temperature { get; init; } = 1.0;
    public double TempMin { get; init; } = 0.5;
    public double AnnealRate { get; init; } = 3e-5;
    public int AnnealEvery { get; init; } = 100;
    public AnnealSchedule AnnealSchedule { get; init; } = AnnealSchedule.Global;
    public int LatentDim { get; init; } = 30;
    public int Categories { get; init; } = 10;
    public bool ReluOnLogits { get; init; } = true;
    public long Seed { get; init; } = 2020;
    public int LogInterval { get; init; } = 10;
    public string Device { get; init; } = "auto";

    /// <summary>libtorch CPU threads; fixed (never chosen from the machine's load) so reruns reproduce bit for bit.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    public string DataDir { get; init; } = Checkout.DefaultFolder("data");
    public string RunsDir { get; init; } = Checkout.DefaultFolder("runs");
    public string? Name { get; init; }
    public int? TrainLimit { get; init; }
    public int? TestLimit { get; init; }
    public bool Offline { get; init; }
    public bool TensorBoard { get; init; } = true;
    public Binarization Binarize { get; init; } = Binarization.None;

    /// <summary>TorchSharp's stock Adam step instead of the fused one (same rule, slower; for checking).</summary>
    public bool StockAdam { get; init; }

    /// <summary>Train through TorchSharp's autograd graph instead of the fused CPU pass (the reference the fused pass is
    /// checked against; slower, and the losses differ from the fused pass's in the last bits). Null in the
    /// config.json of runs made before the fused pass existed: they were trained, and resume, through the graph.</summary>
    public bool? Autograd { get; init; }

    /// <summary>Whether this run trains through the autograd graph (see <see cref="Autograd"/>).</summary>
    [JsonIgnore]
    public bool UsesAutograd => Autograd ?? true;

    /// <summary>Seed of the binarisation thresholds as given (config.json records it whenever binarising).</summary>
    public long? BinarizeSeed { get; init; }

    /// <summary>Epochs whose checkpoint is kept beside the latest as checkpoint-epoch-N.bin, comma-separated in
    /// increasing order ("10,50,200"; 0 is the untrained model), or null. Changes no number the run computes.</summary>
    public string? KeepCheckpoints { get; init; }

    /// <summary>The epochs of <see cref="KeepCheckpoints"/> (empty when none, or when it does not parse).</summary>
    [JsonIgnore]
    public IReadOnlyList<int> KeptEpochs => ParseEpochs(KeepCheckpoints, out _) ?? [];

    /// <summary>"0,10,50" as epochs in increasing order, or null with the problem.</summary>
    public static IReadOnlyList<int>? ParseEpochs(string? text, out string? problem)
    {
        problem = null;
        if (text == null)
            return [];
        var epochs = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int epoch))
            {
                problem = $"--keep-checkpoints: '{part}' is not an epoch (write epochs as 10,50,200).";
                return null;
            }
            epochs.Add(epoch);
        }
        if (epochs.Distinct().Count() != epochs.Count)
        {
            problem = "--keep-checkpoints: an epoch is listed twice.";
            return null;
        }
        return epochs.Order().ToList();
    }

    /// <summary>The run-folder label: soft, hard, or the estimator's name.</summary>
    [JsonIgnore]
    public string Mode => GradientEstimators.FolderLabel(Estimator);

    /// <summary>The seed the binarisation actually uses.</summary>
    [JsonIgnore]
    public long BinarizationSeed => BinarizeSeed ?? Seed;


    [JsonIgnore]
    public long CodeSize => (long)LatentDim * Categories;

    /// <summary>The form recorded in config.json: the binarisation seed spelled out when binarising.</summary>
    public TrainOptions Normalized() => this with
    {
        BinarizeSeed = Binarize == Binarization.None ? BinarizeSeed : BinarizationSeed,
        KeepCheckpoints = KeepCheckpoints == null ? null : string.Join(",", KeptEpochs),
    };

    public TemperatureSchedule CreateSchedule() => new(AnnealSchedule, Temperature, TempMin, AnnealRate, AnnealEvery);

    /// <summary>The first problem with the values, as one line naming the command-line option, or null.</summary>
    public string? Problem()
    {
        if (Epochs < 1) return $"--epochs must be at least 1 (got {Epochs}).";
        if (BatchSize < 1) return $"--batch-size must be at least 1 (got {BatchSize}).";
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) return $"--lr must be a positive number (got {Show(LearningRate)}).";
        if (LearningRate < 1.2e-38) return $"--lr {Show(LearningRate)} is below float32's smallest normal number (1.2e-38): Adam would compute with 0.";
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) return $"--temperature must be a positive number (got {Show(Temperature)}).";
        if (!(TempMin > 0) || double.IsInfinity(TempMin)) return $"--temp-min must be a positive number (got {Show(TempMin)}).";
        if (TempMin < MinTemperature) return $"--temp-min {Show(TempMin)} is below {MinTemperature}: float32 softmax of logits/τ would overflow.";
        if (TempMin > Temperature) return $"--temp-min ({Show(TempMin)}) must not exceed --temperature ({Show(Temperature)}).";
        if (!(AnnealRate >= 0) || double.IsInfinity(AnnealRate)) return $"--anneal-rate must be zero or positive (got {Show(AnnealRate)}).";
        if (AnnealEvery < 1) return $"--anneal-every must be at least 1 (got {AnnealEvery}).";
        if (LatentDim < 1) return $"--latent-dim must be at least 1 (got {LatentDim}).";
        if (Categories < 2) return $"--categories must be at least 2 (got {Categories}).";
        if (CodeSize > MaxCodeSize) return $"--latent-dim {LatentDim} × --categories {Categories} = {CodeSize} code units; at most {MaxCodeSize} are supported.";
        if (RaoSamples is < 1 or > EstimatorSettings.MaxRaoSamples) return $"--rao-samples must be between 1 and {EstimatorSettings.MaxRaoSamples} (got {RaoSamples}).";
        if (RlooSamples is < 2 or > EstimatorSettings.MaxRlooSamples) return $"--rloo-samples must be between 2 and {EstimatorSettings.MaxRlooSamples}: leave-one-out needs two (got {RlooSamples}).";
        if (LogInterval < 1) return $"--log-interval must be at least 1 (got {LogInterval}).";
        if (!DeviceNames.Contains(Device)) return $"--device must be one of {string.Join(", ", DeviceNames)} (got '{Device}').";
        if (Threads < 1 || Threads > MaxThreads) return $"--threads must be between 1 and {MaxThreads} (got {Threads}).";
        if (TrainLimit is < 1) return $"--train-limit must be at least 1 (got {TrainLimit}).";
        if (TestLimit is < 1) return $"--test-limit must be at least 1 (got {TestLimit}).";
        if (Name != null && RunName.Problem(Name) is { } nameProblem) return nameProblem;
        if (string.IsNullOrWhiteSpace(DataDir)) return "--data-dir must name a folder.";
        if (string.IsNullOrWhiteSpace(RunsDir)) return "--runs-dir must name a folder.";
        if (!Enum.IsDefined(AnnealSchedule)) return $"--anneal-schedule must be global or seed (got {AnnealSchedule}).";
        if (!Enum.IsDefined(Estimator)) return $"--estimator must be one of {string.Join(", ", GradientEstimators.All.Select(GradientEstimators.Name))} (got {Estimator}).";
        if (!Enum.IsDefined(Binarize)) return $"--binarize must be none, fixed or dynamic (got {Binarize}).";
        if (Binarize == Binarization.None && BinarizeSeed != null) return "--binarize-seed needs --binarize fixed or dynamic.";
        if (ParseEpochs(KeepCheckpoints, out string? keepProblem) == null) return keepProblem;
        if (!Enum.IsDefined(Precision)) return $"--precision must be fp32 or bf16 (got {Precision}).";
        if (Precision == Precision.Bf16 && UsesAutograd) return "--precision bf16 is done by the fused CPU pass; --autograd trains through the graph in float32.";
        if (Precision == Precision.Bf16 && GradientEstimators.For(Estimator).Fused is null)
            return $"--precision bf16 is done by the fused CPU pass, and {GradientEstimators.Name(Estimator)} trains through the autograd graph in float32.";
        if (Precision == Precision.Bf16 && Device == "cuda") return "--precision bf16 is done by the fused CPU pass; on CUDA the run trains through the graph in float32.";
        if (EmulateBf16 && Precision != Precision.Bf16) return "--emulate-bf16 needs --precision bf16.";
        return null;
    }

    public static readonly string[] DeviceNames = ["auto", "cpu", "cuda"];

    /// <summary>A number as a person writes it: 1E+308, not three hundred digits.</summary>
    public static string Show(double value) => value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
