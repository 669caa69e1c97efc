using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CategoricalVae.Benchmarks;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>
/// `bench`: in one process, the matrix-product floor for the model's shapes, then real training epochs of the
/// actual model, loss and optimizer through <see cref="RunLauncher"/>, an evaluation pass and the per-epoch
/// artifacts. Warm-up excluded, medians of repeats; prints a table and optionally writes JSON.
/// </summary>
public static class BenchCommand
{
    const int MaxSteps = 2000, MaxRepeats = 1000, TestImages = 10_000, TrainImages = 60_000;

    public static Command Create(CliServices services)
    {
        var steps = OptionValues.Int("--steps", $"Training steps per repeat (1 to {MaxSteps})");
        steps.DefaultValueFactory = _ => 600;
        var repeats = OptionValues.Int("--repeats", "Timed repeats (after one warm-up epoch); medians are reported");
        repeats.DefaultValueFactory = _ => 3;
        var threads = SessionOptions.Threads();
        var evalSize = OptionValues.Int("--eval-size", $"Images in the evaluation pass (1 to {TestImages})");
        evalSize.DefaultValueFactory = _ => TestImages;
        var hard = OptionValues.Switch("--hard", "Time straight-through hard samples");
        var dataDir = SessionOptions.DataDir();
        dataDir.Description = "Use cached MNIST from here if present (never fetched); else synthetic images";
        var json = OptionValues.OptionalText("--json", "Also write the results as JSON to this file", "file");
        var pytorch = OptionValues.Switch("--pytorch", $"Also time the original PyTorch script ({PytorchReference.ScriptPath}) at 1 and {Environment.ProcessorCount} threads");
        var python = OptionValues.Text("--python", "Interpreter that has PyTorch, for --pytorch", "file");
        python.DefaultValueFactory = _ => PytorchReference.DefaultPython;
        var command = new Command("bench", "Measure training speed against the matrix-multiply floor, evaluation, artifacts, start-up and memory")
        {
            steps, repeats, threads, evalSize, hard, dataDir, json, pytorch, python,
        };
        command.SetAction(parse => Run(parse.GetValue(steps), parse.GetValue(repeats), parse.GetValue(threads), parse.GetValue(evalSize),
            parse.GetValue(hard), parse.GetValue(dataDir)!, parse.GetValue(json), parse.GetValue(pytorch) ? parse.GetValue(python) : null, services));
        return command;
    }

    static int Run(int steps, int repeats, int threads, int evalSize, bool hard, string dataDir, string? jsonPath, string? python, CliServices services)
    {
        string? script = null;
        // Start-up is the app's own: the seconds spent here asking Python to import torch are not counted.
        var pytorchCheck = new Stopwatch();
        if (python != null)
        {
            pytorchCheck.Start();
            script = PytorchReference.FindScript()
                ?? throw UserFacingException.Refused($"--pytorch: {PytorchReference.ScriptPath} is not in this checkout.");
            if (PytorchReference.Problem(python) is { } missing)
                throw UserFacingException.Refused($"--pytorch: {missing} (see {Path.GetDirectoryName(PytorchReference.ScriptPath)}/README.md).");
            pytorchCheck.Stop();
        }
        if (steps is < 1 or > MaxSteps) throw UserFacingException.Refused($"--steps must be between 1 and {MaxSteps} (got {steps}).");
        if (repeats is < 1 or > MaxRepeats) throw UserFacingException.Refused($"--repeats must be between 1 and {MaxRepeats} (got {repeats}).");
        if (evalSize is < 1 or > TestImages) throw UserFacingException.Refused($"--eval-size must be between 1 and {TestImages}, the MNIST test set (got {evalSize}).");
        if (SessionOptions.Problem(threads, "cpu") is { } problem) throw UserFacingException.Refused(problem);
        DateTime processStart = Process.GetCurrentProcess().StartTime;
        CliServices.LoadTorch(Path.GetTempPath(), "cpu");
        torch.set_num_threads(threads);
        string runs = Path.Combine(Path.GetTempPath(), "categoricalvae-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var options = TrainOptions.Defaults with
        {
            Hard = hard, Epochs = repeats + 1, Threads = threads, Device = "cpu", LogInterval = 100, TensorBoard = true, RunsDir = runs,
            Name = "bench", TrainLimit = steps * TrainOptions.Defaults.BatchSize, TestLimit = evalSize,
        };

        using var data = LoadData(dataDir, steps * options.BatchSize, evalSize, out string source);
        if (script != null && source != "mnist")
            throw UserFacingException.Refused("--pytorch needs the real MNIST in --data-dir (the reference script never downloads).");
        var timer = new EpochTimer(options, steps);
        try
        {
            using var stop = new StopSignal();
            var launcher = new RunLauncher(_ => data, services.Faults) { Console = ConsoleOutput.None };
            var observer = new ObserverList(timer, new FirstStepClock(processStart + pytorchCheck.Elapsed, timer));
            launcher.Start(options, stop, observer);
        }
        finally
        {
            try { Directory.Delete(runs, recursive: true); }
            catch (IOException) { }
        }

        var report = timer.Report(options, steps, repeats, hard, source, data.Test.Count, StepBreakdown.Measure(options.BatchSize, options.LatentDim, options.Categories, hard, steps));
        if (script != null)
        {
            Console.WriteLine($"Timing the PyTorch original at 1 and {Environment.ProcessorCount} threads …");
            report = report with
            {
                Pytorch = PytorchReference.Measure(python!, script, Path.GetFullPath(dataDir), steps, repeats, hard,
                    new[] { 1, Environment.ProcessorCount }.Distinct(), OpenMpSpin.Settings),
            };
        }
        Console.Write(report.ToTable());
        if (jsonPath != null)
        {
            AtomicWriter.Plain.WriteText(jsonPath, JsonSerializer.Serialize(report, RunConfig.Json));
            Console.WriteLine($"Wrote {Path.GetFullPath(jsonPath)}");
        }
        return ExitCodes.Success;
    }

    /// <summary>Times the epochs; the floor is measured right after each epoch, so both see the same machine load
    /// (shared machines swing by tens of percent within a minute).</summary>
    sealed class EpochTimer(TrainOptions options, int steps) : ITrainingObserver
    {
        readonly List<EpochTimings> _timings = [];
        readonly List<double> _floors = [], _addmmFloors = [];
        readonly int[] _widths = MatmulFloor.LayerWidths(options.LatentDim, options.Categories);

        public double StartupSeconds { get; set; } = double.NaN;

        public void EpochDone(EpochMetrics metrics, EpochTimings timings)
        {
            _timings.Add(timings);
            _floors.Add(MatmulFloor.MillisecondsPerStep(options.BatchSize, _widths, steps, repeats: 1));
            _addmmFloors.Add(MatmulFloor.MillisecondsPerStep(options.BatchSize, _widths, steps, repeats: 1, addmm: true));
        }

        public BenchReport Report(TrainOptions o, int steps, int repeats, bool hard, string source, int evalExamples, StepBreakdown.Comparison phases)
        {
            var timed = _timings.Skip(1).ToList(); // the first epoch is the warm-up
            var floors = _floors.Skip(1).ToList();
            double[] trainByRepeat = timed.Select(t => t.TrainSeconds * 1000 / steps).ToArray();
            double floor = MatmulFloor.Median(floors);
            double trainMs = MatmulFloor.Median(trainByRepeat);
            double ratio = MatmulFloor.Median(trainByRepeat.Select((t, i) => t / floors[i]));
            double epoch600 = trainMs * 600 / 1000;
            double eval = MatmulFloor.Median(timed.Select(t => t.EvalSeconds));
            double artifacts = MatmulFloor.Median(timed.Select(t => t.ArtifactSeconds));
            double gflop = MatmulFloor.FlopsPerStep(o.BatchSize, _widths) / 1e9;
            return new BenchReport
            {
                TimeUtc = DateTime.UtcNow,
                Machine = Environment.MachineName,
                Cores = Environment.ProcessorCount,
                Threads = o.Threads,
                TorchSharpVersion = TorchRuntime.TorchSharpVersion,
                LibTorchVersion = TorchRuntime.LibTorchVersion,
                BatchSize = o.BatchSize,
                Steps = steps,
                Repeats = repeats,
                Hard = hard,
                DataSource = source,
                GflopPerStep = gflop,
                FloorMsPerStep = floor,
                FloorGflops = gflop / (floor / 1000),
                AddmmFloorMsPerStep = MatmulFloor.Median(_addmmFloors.Skip(1)),
                TrainMsPerStep = trainMs,
                TrainExamplesPerSecond = o.BatchSize * 1000 / trainMs,
                TrainToFloorRatio = ratio,
                TrainMsPerStepByRepeat = trainByRepeat,
                FloorMsPerStepByRepeat = [.. floors],
                EpochSeconds600Steps = epoch600,
                EvalSeconds = eval,
                EvalExamples = evalExamples,
                EvalToEpochRatio = eval / epoch600,
                ArtifactSeconds = artifacts,
                ArtifactToEpochRatio = artifacts / epoch600,
                StartupSeconds = StartupSeconds,
                Phases = phases.Fused,
                GraphPhases = phases.Graph,
                PeakRssMb = PeakRssMb(),
                OpenMp = new Dictionary<string, string>(OpenMpSpin.Settings),
            };
        }
    }

    /// <summary>Notes when the first training step is done, counted from <paramref name="processStart"/>: the process's
    /// start, moved on by the bench's own checks that a run does not make.</summary>
    sealed class FirstStepClock(DateTime processStart, EpochTimer timer) : ITrainingObserver
    {
        public void BatchDone(BatchReport batch)
        {
            if (double.IsNaN(timer.StartupSeconds))
                timer.StartupSeconds = (DateTime.Now - processStart).TotalSeconds;
        }
    }

    /// <summary>Cached, verified MNIST if the data folder has it (a benchmark never downloads), else seeded random
    /// images of the same shape; says so when it cannot use MNIST.</summary>
    static MnistData LoadData(string dataDir, int trainSize, int evalSize, out string source)
    {
        string? why = null;
        if (trainSize > TrainImages)
            why = $"--steps needs {trainSize} training images, more than MNIST's {TrainImages}";
        else
        {
            try
            {
                var files = new MnistDataDirectory(dataDir, [], _ => { }).EnsureAsync().GetAwaiter().GetResult();
                source = "mnist";
                return new MnistData(MnistDataset.Load(files[MnistFile.TrainImages], files[MnistFile.TrainLabels], trainSize),
                    MnistDataset.Load(files[MnistFile.TestImages], files[MnistFile.TestLabels], evalSize));
            }
            catch (UserFacingException)
            {
                why = $"no verified MNIST in {Path.GetFullPath(dataDir)}";
            }
        }
        Console.Error.WriteLine($"warning: bench uses synthetic random images ({why}); timings hold, pictures and losses mean nothing.");
        source = "synthetic";
        return new MnistData(Synthetic(trainSize, 1), Synthetic(evalSize, 2));
    }

    static MnistDataset Synthetic(int count, int seed)
    {
        var rng = new Random(seed);
        byte[] pixels = new byte[(long)count * 784], labels = new byte[count];
        rng.NextBytes(pixels);
        return new MnistDataset(pixels, labels, count);
    }

    static double PeakRssMb()
    {
        if (OperatingSystem.IsLinux())
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
