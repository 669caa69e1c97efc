using System.Globalization;
using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// The one way into a training run, for `train`, `bench`, `sweep` and the tests: checks the options, claims or
/// reopens the run folder, writes config.json, trains, and records every failure that ends the run in train.log.
/// Nothing in a folder changes before every check has passed. The loaded MNIST is shared; each run takes its own
/// limited or binarised copy.
/// </summary>
public sealed class RunLauncher
{
    readonly Func<TrainOptions, MnistData> _loadData;
    readonly IFaultPlan _faults;
    readonly AtomicWriter _writer;
    readonly PassDecorator? _decorate;
    readonly ProcessorFeatures _processor;

    /// <param name="loadData">Gives the MNIST of a run's --data-dir once its options passed every check (loading
    /// libtorch too, if need be); called once per run, so it should cache.</param>
    /// <param name="faults">Faults in writes and stop requests, for the tests of the guarantees; none by default.</param>
    /// <param name="decorate">Wraps each run's pass (faults in the loss or gradients, for those tests); none by default.</param>
    /// <param name="processor">What the processor offers bfloat16 products; this one's by default.</param>
    public RunLauncher(Func<TrainOptions, MnistData> loadData, IFaultPlan? faults = null, PassDecorator? decorate = null, ProcessorFeatures? processor = null)
    {
        _loadData = loadData;
        _faults = faults ?? NoFaults.Instance;
        _writer = new AtomicWriter(_faults);
        _decorate = decorate;
        _processor = processor ?? ProcessorFeatures.Current;
    }

    /// <summary>How the run's log reaches the console.</summary>
    public ConsoleOutput Console { get; init; } = ConsoleOutput.Lines;

    /// <summary>Starts a new run in a fresh folder runs/&lt;time&gt;-&lt;mode&gt;[-name] under <see cref="TrainOptions.RunsDir"/>.</summary>
    public RunResult Start(TrainOptions options, StopSignal stop, ITrainingObserver? observer = null)
    {
        RefuseInsideRun(options.RunsDir, "--runs-dir");
        var data = Check(options);
        using var run = RunDirectory.Create(options.RunsDir, options.Mode, options.Name, DateTime.Now, _writer);
        return Train(run, data, options, state: null, previous: null, stop, observer);
    }

    /// <summary>Starts a new run in exactly <paramref name="folder"/>, which must not exist yet (sweep members).</summary>
    public RunResult StartIn(string folder, TrainOptions options, StopSignal stop, ITrainingObserver? observer = null)
    {
        if (string.IsNullOrWhiteSpace(folder))
            throw UserFacingException.Refused("--run-dir must name a folder.");
        RefuseInsideRun(Path.GetDirectoryName(Path.GetFullPath(folder))!, "--run-dir");
        var data = Check(options);
        string full = Path.GetFullPath(folder);
        using var run = RunDirectory.CreateNamed(Path.GetDirectoryName(full)!, Path.GetFileName(full), _writer, suffixIfTaken: false);
        return Train(run, data, options, state: null, previous: null, stop, observer);
    }

    /// <summary>Continues the run in <paramref name="runDir"/> from its checkpoint. <paramref name="adjust"/> maps the
    /// run's stored options to the ones to continue with; it refuses (throws) changes to run-defining settings.</summary>
    public RunResult Resume(string runDir, Func<TrainOptions, TrainOptions> adjust, bool force, StopSignal stop, ITrainingObserver? observer = null)
    {
        var trained = TrainedRun.OpenToResume(runDir);
        RunConfig previous = trained.Config;
        TrainOptions options = adjust(previous.Options);
        var data = Check(options);

        using var run = RunDirectory.Open(runDir, _writer);
        var layout = run.Layout;
        // Read again under the lock: the state peeked before may have been a run that was still training.
        if (TrainedRun.OpenToResume(runDir).State is { } done)
        {
            if (options.Epochs < done.EpochsCompleted)
                throw UserFacingException.Refused(
                    $"--epochs {options.Epochs} is fewer than the {done.EpochsCompleted} epochs {run.Name} has done; nothing was changed (give a larger --epochs to train further).");
            if (options.Epochs == done.EpochsCompleted && done.BatchesDoneInEpoch == 0)
            {
                System.Console.WriteLine($"{run.Path} has done all {done.EpochsCompleted} epochs; nothing to do (give a larger --epochs to train further).");
                return new RunResult(TrainingOutcome.Completed, run.Path, MetricsCsv.Read(layout.MetricsFile).LastOrDefault());
            }
        }
        CheckpointState? state = ResumeState.Check(run, options, force, previous.Imported);
        return Train(run, data, options, state, previous, stop, observer);
    }

    /// <summary>A run's folder is no place for another run: its files would mix with the new run's folder.</summary>
    static void RefuseInsideRun(string folder, string option)
    {
        if (!string.IsNullOrWhiteSpace(folder) && RunLayout.EnclosingRun(folder) is { } run)
            throw UserFacingException.Refused($"{option}: {Path.GetFullPath(folder)} is inside the run {run}; put new runs outside any run's folder.");
    }

    /// <summary>Refuses what breaks a rule or will not fit, then gives the run's data (and checks its device).</summary>
    MnistData Check(TrainOptions options)
    {
        if ((options.Problem() ?? DeviceChoice.Problem(options.Device)) is { } problem)
            throw UserFacingException.Refused(problem);
        // Before anything is loaded: MNIST has 60 000 training and 10 000 test images at most.
        if (MemoryEstimate.Problem(options, Math.Min(options.TrainLimit ?? 60_000, 60_000), Math.Min(options.TestLimit ?? 10_000, 10_000)) is { } memory)
            throw UserFacingException.Refused(memory);
        if (Bf16Problem(options, _processor) is { } bf16)
            throw UserFacingException.Refused(bf16);
        var data = _loadData(options);
        if (options.Precision == Model.Precision.Bf16 && DeviceChoice.Resolve(options.Device).type != DeviceType.CPU)
            throw UserFacingException.Refused("--precision bf16 is done by the fused CPU pass; this run would train on CUDA (give --device cpu).");
        DeviceChoice.Resolve(options.Device);
        return data;
    }

    /// <summary>Why a bfloat16 run cannot train on <paramref name="processor"/>, or null.</summary>
    public static string? Bf16Problem(TrainOptions options, ProcessorFeatures processor)
    {
        if (options.Precision != Model.Precision.Bf16)
            return null;
        if (!TeamProduct.IsBf16Available)
            return "--precision bf16: this libtorch exports no MKL bfloat16 product (gemm_bf16bf16f32), as on Windows, macOS and ARM64; use --precision fp32.";
        if (processor.NativeBf16 || options.EmulateBf16)
            return null;
        return $"--precision bf16: this processor ({processor.Description}) has no bfloat16 dot products (AVX512-BF16 or AMX-BF16); " +
            "MKL would emulate them, no faster than float32 (docs/performance.md). Use --precision fp32, or add --emulate-bf16 to train in bfloat16 anyway (for checking accuracy).";
    }

    RunResult Train(RunDirectory run, MnistData data, TrainOptions options, CheckpointState? state, RunConfig? previous, StopSignal stop, ITrainingObserver? observer)
    {
        options = options.Normalized();
        var device = DeviceChoice.Resolve(options.Device);
        torch.set_num_threads(options.Threads);
        var config = previous != null
            ? previous with
            {
                // Threads and OpenMP are session settings: config.json says what the latest session ran with.
                Options = options, Threads = torch.get_num_threads(), OpenMp = new Dictionary<string, string>(OpenMpSpin.Settings),
                ResumedAtUtc = [.. previous.ResumedAtUtc, DateTime.UtcNow],
            }
            : new RunConfig
            {
                Options = options,
                Device = device.ToString(),
                Threads = torch.get_num_threads(),
                TorchSharpVersion = TorchRuntime.TorchSharpVersion,
                LibTorchVersion = TorchRuntime.LibTorchVersion,
                Machine = Environment.MachineName,
                GitCommit = RunConfig.CurrentGitCommit(),
                StartTimeUtc = DateTime.UtcNow,
                OpenMp = new Dictionary<string, string>(OpenMpSpin.Settings),
            };
        config.Save(run.Layout.ConfigFile, run.Writer);

        var (train, test) = data.ForRun(options.TrainLimit, options.TestLimit, options.Binarize, options.BinarizationSeed);
        using var _ = train;
        using var __ = test;
        using var log = TrainLogging.Create(run.Layout.LogFile, Console);
        log.Information("Run folder {Run} ({Mode}, {Schedule} annealing, seed {Seed}, {Device}, {Threads} threads, {Precision} products, {Train} train / {Test} test examples{Resumed})",
            run.Path, options.Mode, options.AnnealSchedule.ToString().ToLowerInvariant(), options.Seed, device, options.Threads,
            options.Precision == Model.Precision.Bf16 ? (_processor.NativeBf16 ? "bf16" : "bf16 (emulated)") : "fp32", train.Count, test.Count,
            state != null ? $", resuming after epoch {state.EpochsCompleted}" + (state.BatchesDoneInEpoch > 0 ? $" + {state.BatchesDoneInEpoch} batches" : "") : "");
        if (options.Estimator == Model.Estimators.GradientEstimator.Reinmax && options.TempMin < 1)
            log.Warning("ReinMax is meant for τ ≥ 1 (Liu et al. 2023); this run's temperature anneals down to {TempMin} (give --temp-min 1 --temperature 1 to keep it at 1).",
                TrainOptions.Show(options.TempMin));
        if (config.Imported is { } imported && state is { GlobalStep: 0 })
            log.Information("The weights were imported from {File}; Adam starts fresh (no optimizer moments come with imported weights).", imported.File);
        if (options.Threads > Environment.ProcessorCount)
            log.Warning("--threads {Threads} is more than the {Cores} cores: libtorch's threads will wait for each other and training slows down several-fold.",
                options.Threads, Environment.ProcessorCount);

        TrainingOutcome outcome;
        try
        {
            using var trainer = new Trainer(options, train, test, run, log, stop, device, _faults, observer ?? new ObserverList(), _decorate);
            outcome = trainer.Run(state);
        }
        catch (Exception e)
        {
            // Every failure that ends a run is in its log, not only on the console.
            log.Error("The run failed: {Message:l}", e.Message.Split('\n')[0].Trim());
            throw;
        }
        if (outcome == TrainingOutcome.Completed)
            log.Information("Done. Run folder: {Run}", run.Path);
        return new RunResult(outcome, run.Path, MetricsCsv.Read(run.Layout.MetricsFile).LastOrDefault());
    }
}
