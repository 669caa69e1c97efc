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

    public string TrainReconstruction(int epoch) => File($"reconstruction-train-{epoch}.png");
    public string TestReconstruction(int epoch) => File($"reconstruction-test-{epoch}.png");
    public string PriorSamples(int epoch) => File($"samples-{epoch}.png");
    public string LatentUsage(int epoch) => File($"latent-usage-{epoch}.png");
    public string Traversal(int epoch) => File($"traversal-{epoch}.png");

    public static string Damaged(string path) => path + DamagedSuffix;

    /// <summary>True when the folder holds anything a run writes first.</summary>
    public bool LooksLikeRun => System.IO.File.Exists(ConfigFile) || System.IO.File.Exists(MetricsFile) || System.IO.File.Exists(CheckpointFile);

    string File(string name) => Path.Combine(Folder, name);
}
