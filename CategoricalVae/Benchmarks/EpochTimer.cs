using System.Diagnostics;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Benchmarks;

/// <summary>Times the epochs; the floor is measured right after each epoch, so both see the same machine load
/// (shared machines swing by tens of percent within a minute).</summary>
public sealed class EpochTimer(TrainOptions options, int steps) : ITrainingObserver
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
            GitCommit = RunConfig.CurrentGitCommit(),
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
            Bf16Phases = phases.Bf16,
            GraphOnlyEstimators = GradientEstimators.All.Where(e => GradientEstimators.For(e).Fused is null).Select(GradientEstimators.Name).ToList(),
            PeakRssMb = ProcessMemory.PeakRssMb(),
            OpenMp = new Dictionary<string, string>(OpenMpSpin.Settings),
        };
    }
}
