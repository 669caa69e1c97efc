using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CategoricalVae.Benchmarks;
using CategoricalVae.Data;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using Serilog;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>
/// `bench`: in one process, the matrix-product floor for the model's shapes, then real training steps of the
/// actual model, loss and optimizer, an evaluation pass and the per-epoch artifacts, through the same Trainer
/// a run uses. Warm-up excluded, medians of repeats; prints a table and optionally writes JSON.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Training steps per repeat", DefaultValueFactory = _ => 600 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats (after one warm-up epoch); medians are reported", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads", DefaultValueFactory = _ => TrainCommandLine.DefaultThreads };
        var evalSize = new Option<int>("--eval-size") { Description = "Images in the evaluation pass", DefaultValueFactory = _ => 10000 };
        var hard = new Option<bool>("--hard") { Description = "Time straight-through hard samples" };
        var dataDir = new Option<string>("--data-dir") { Description = "Use cached MNIST from here if present (never fetched); else synthetic images", DefaultValueFactory = _ => "data" };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file" };
        var command = new Command("bench", "Measure training speed against the matrix-multiply floor, evaluation, artifacts, start-up and memory")
        {
            steps, repeats, threads, evalSize, hard, dataDir, json,
        };
        command.SetAction(parse => Run(parse.GetValue(steps), parse.GetValue(repeats), parse.GetValue(threads), parse.GetValue(evalSize),
            parse.GetValue(hard), parse.GetValue(dataDir)!, parse.GetValue(json)));
        return command;
    }

    static async Task<int> Run(int steps, int repeats, int threads, int evalSize, bool hard, string dataDir, string? jsonPath)
    {
        if (steps < 1 || repeats < 1 || threads < 1 || evalSize < 1)
            throw new UserFacingException("--steps, --repeats, --threads and --eval-size must be at least 1.", 2);
        DateTime processStart = Process.GetCurrentProcess().StartTime;
        TorchRuntime.EnsureLoaded(Path.GetTempPath());
        torch.set_num_threads(threads);
        var options = new TrainOptions { Hard = hard, Epochs = repeats + 1, Threads = threads, LogInterval = 100, TensorBoard = true };

        (MnistDataset train, MnistDataset test, string source) = await LoadData(dataDir, steps * options.BatchSize, evalSize);
        using var _ = train;
        using var __ = test;

        string runs = Path.Combine(Path.GetTempPath(), "categoricalvae-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var timings = new List<EpochTimings>();
        var floors = new List<double>();
        int[] widths = MatmulFloor.LayerWidths(options.LatentDim, options.Categories);
        double startup = double.NaN;
        try
        {
            using var run = RunDirectory.Create(runs, options.Mode, "bench", DateTime.Now);
            using var log = new LoggerConfiguration().WriteTo.File(run.LogFile).CreateLogger();
            using var stop = new StopSignal();
            using var trainer = new Trainer(options, train, test, run, log, stop, torch.CPU)
            {
                // The floor is measured right after each epoch, so both see the same machine load (the
                // shared 2-core machines here swing by tens of percent within a minute).
                EpochDone = t =>
                {
                    timings.Add(t);
                    floors.Add(MatmulFloor.MillisecondsPerStep(options.BatchSize, widths, steps, repeats: 1));
                },
                BatchDone = (done, _, _) =>
                {
                    if (double.IsNaN(startup))
                        startup = (DateTime.Now - processStart).TotalSeconds;
                },
            };
            trainer.Run(null);
        }
        finally
        {
            try { Directory.Delete(runs, recursive: true); }
            catch (IOException) { }
        }

        var timed = timings.Skip(1).ToList(); // the first epoch is the warm-up
        var timedFloors = floors.Skip(1).ToList();
        double floor = MatmulFloor.Median(timedFloors);
        double trainMs = MatmulFloor.Median(timed.Select(t => t.TrainSeconds * 1000 / steps));
        double ratio = MatmulFloor.Median(timed.Select((t, i) => t.TrainSeconds * 1000 / steps / timedFloors[i]));
        double epoch600 = trainMs * 600 / 1000;
        double eval = MatmulFloor.Median(timed.Select(t => t.EvalSeconds));
        double artifacts = MatmulFloor.Median(timed.Select(t => t.ArtifactSeconds));
        double gflop = MatmulFloor.FlopsPerStep(options.BatchSize, widths) / 1e9;
        var phases = StepBreakdown.Measure(options.BatchSize, options.LatentDim, options.Categories, hard, steps);
        var report = new BenchReport
        {
            TimeUtc = DateTime.UtcNow,
            Machine = Environment.MachineName,
            Cores = Environment.ProcessorCount,
            Threads = threads,
            TorchSharpVersion = TorchRuntime.TorchSharpVersion,
            LibTorchVersion = TorchRuntime.LibTorchVersion,
            BatchSize = options.BatchSize,
            Steps = steps,
            Repeats = repeats,
            Hard = hard,
            DataSource = source,
            GflopPerStep = gflop,
            FloorMsPerStep = floor,
            FloorGflops = gflop / (floor / 1000),
            TrainMsPerStep = trainMs,
            TrainExamplesPerSecond = options.BatchSize * 1000 / trainMs,
            TrainToFloorRatio = ratio,
            EpochSeconds600Steps = epoch600,
            EvalSeconds = eval,
            EvalExamples = test.Count,
            EvalToEpochRatio = eval / epoch600,
            ArtifactSeconds = artifacts,
            ArtifactToEpochRatio = artifacts / epoch600,
            StartupSeconds = startup,
            Phases = phases,
            PeakRssMb = PeakRssMb(),
        };
        Console.Write(report.ToTable());
        if (jsonPath != null)
        {
            AtomicFile.WriteText(jsonPath, JsonSerializer.Serialize(report, RunConfig.Json));
            Console.WriteLine($"Wrote {Path.GetFullPath(jsonPath)}");
        }
        return 0;
    }

    /// <summary>Cached, verified MNIST if the data folder has it (offline: a benchmark never downloads),
    /// else seeded random images of the same shape.</summary>
    static async Task<(MnistDataset, MnistDataset, string)> LoadData(string dataDir, int trainSize, int evalSize)
    {
        try
        {
            var files = await new MnistDataDirectory(dataDir, [], _ => { }).EnsureAsync();
            if (trainSize <= 60000 && evalSize <= 10000)
                return (MnistDataset.Load(files[MnistFile.TrainImages], files[MnistFile.TrainLabels], trainSize),
                        MnistDataset.Load(files[MnistFile.TestImages], files[MnistFile.TestLabels], evalSize), "mnist");
        }
        catch (UserFacingException)
        {
        }
        return (Synthetic(trainSize, 1), Synthetic(evalSize, 2), "synthetic");
    }

    static MnistDataset Synthetic(int count, int seed)
    {
        var rng = new Random(seed);
        byte[] pixels = new byte[count * 784], labels = new byte[count];
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
