using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;

namespace CategoricalVae.Tests;

/// <summary>A sweep folder written by hand, as a scheduler and `sweep` would leave it, without training: sweep.json
/// and, for the members asked, a run folder with config.json, metrics rows, a checkpoint file and optionally an
/// evaluation.json. For the tests of what `compare` and `sweep --resume` make of a sweep.</summary>
public sealed class HandMadeSweep
{
    public HandMadeSweep(string folder, IEnumerable<SweepMember> members)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
        Sweep = new SweepFile
        {
            Name = "", CreatedUtc = DateTime.UtcNow, BaseArgs = [], Grid = [], Seeds = [], Jobs = 1, ThreadsPerMember = 1, Members = members.ToList(),
        };
        Sweep.Save(folder, AtomicWriter.Plain);
    }

    public string Folder { get; }
    public SweepFile Sweep { get; }

    public static ITrainArguments Arguments { get; } = new TrainArguments(new TrainOptionSet());

    /// <summary>A member of configuration hard-on/off with this seed, training <paramref name="epochs"/> epochs.</summary>
    public static SweepMember Member(bool hard, long seed, int epochs = 2, string? folder = null)
    {
        var settings = new Dictionary<string, string> { ["hard"] = hard ? "on" : "off", [SweepFile.SeedKey] = seed.ToString() };
        List<string> args = ["--epochs", epochs.ToString(), .. hard ? new[] { "--hard" } : [], "--seed", seed.ToString(), "--threads", "1"];
        return new SweepMember { Folder = folder ?? SweepFile.FolderOf(settings), Settings = settings, Args = args, Epochs = epochs };
    }

    /// <summary>Writes the member's run folder as a finished run of <paramref name="rows"/> epochs (test loss
    /// <paramref name="loss"/> + epoch), trained with <paramref name="options"/> (default: the member's own).</summary>
    public string Train(SweepMember member, int rows, double loss, TrainOptions? options = null)
    {
        string run = Path.Combine(Folder, member.Folder);
        Directory.CreateDirectory(run);
        var layout = new RunLayout(run);
        new RunConfig
        {
            Options = (options ?? Arguments.Parse(member.Args)).Normalized(), Device = "cpu", Threads = 1, TorchSharpVersion = "test",
            LibTorchVersion = "test", Machine = "test", StartTimeUtc = DateTime.UtcNow,
        }.Save(layout.ConfigFile, AtomicWriter.Plain);
        for (int e = 1; e <= rows; e++)
            MetricsCsv.Append(layout.MetricsFile, new EpochMetrics(e, e * 600L, 0.9, loss + e + 5, loss + e, 5, loss + e, loss + e - 5, 5, 8, 7500, 9.9, 0, 30),
                AtomicWriter.Plain);
        File.WriteAllBytes(layout.CheckpointFile, [1, 2, 3]);
        return run;
    }

    /// <summary>Writes an evaluation.json of the run's last epoch (no checkpoint hash, so it counts as current).</summary>
    public static void Evaluate(string run, int epoch, double negElbo, int samples = 1000, int testImages = 10_000, bool binarised = true) =>
        File.WriteAllText(new RunLayout(run).EvaluationFile, new EvaluationReport
        {
            Run = Path.GetFileName(run), Checkpoint = RunLayout.CheckpointName, EpochsCompleted = epoch, GlobalStep = epoch * 600L, Mode = "soft",
            Binarize = binarised ? "fixed" : "none", Likelihood = binarised ? "bernoulli" : "bce-on-grey-levels (not a normalised likelihood)",
            TestExamples = testImages, Samples = samples, Seed = 1, DiscreteElbo = new(-negElbo, 0.3), ImportanceWeightedBound = new(-negElbo + 10, 0.3),
            NegativeLogLikelihoodEstimate = negElbo - 10, NegativeElbo = negElbo, KlToPrior = 20, Relaxed = new(0.5, 1, 1, 1), Seconds = 1,
            WrittenUtc = DateTime.UtcNow,
        }.ToJson());
}
