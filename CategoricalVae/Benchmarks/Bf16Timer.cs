using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Benchmarks;

/// <summary>Times the epochs of the same run with bfloat16 products, with the bfloat16 floor measured right after each
/// epoch and the float32 one beside it, so the two ratios come from the same minutes of the machine. libtorch's own
/// bfloat16 <c>mm</c>, the route not taken, is timed on a short probe after the last epoch: on a processor without
/// bfloat16 dot products it is some twenty times slower than the floor, and a full epoch of it per repeat would make
/// a bench run last many minutes to confirm one figure.</summary>
public sealed class Bf16Timer(TrainOptions options, int steps) : ITrainingObserver
{
    /// <summary>Steps of the libtorch probe: enough for a stable median of a product that takes milliseconds.</summary>
    const int LibTorchProbeSteps = 20;

    readonly List<double> _steps = [], _floors = [], _fp32Floors = [];
    readonly int[] _widths = MatmulFloor.LayerWidths(options.LatentDim, options.Categories);

    public void EpochDone(EpochMetrics metrics, EpochTimings timings)
    {
        _steps.Add(timings.TrainSeconds * 1000 / steps);
        _floors.Add(MatmulFloor.MillisecondsPerStep(options.BatchSize, _widths, steps, repeats: 1, bf16: true));
        _fp32Floors.Add(MatmulFloor.MillisecondsPerStep(options.BatchSize, _widths, steps, repeats: 1));
    }

    /// <param name="fp32StepMs">The float32 step of the same bench run.</param>
    public BenchReport.Bf16Figures Report(double fp32StepMs, ProcessorFeatures processor)
    {
        double[] train = _steps.Skip(1).ToArray(), floors = _floors.Skip(1).ToArray(), fp32Floors = _fp32Floors.Skip(1).ToArray();
        double step = MatmulFloor.Median(train);
        return new BenchReport.Bf16Figures
        {
            Processor = processor.Description,
            Emulated = !processor.NativeBf16,
            FloorMsPerStep = MatmulFloor.Median(floors),
            FloorToFp32Floor = MatmulFloor.Median(floors.Select((f, i) => f / fp32Floors[i])),
            LibTorchFloorMsPerStep = MatmulFloor.MillisecondsPerStep(options.BatchSize, _widths, Math.Min(steps, LibTorchProbeSteps), repeats: 3, warmup: 2, addmm: true, bf16: true),
            TrainMsPerStep = step,
            TrainMsPerStepByRepeat = train,
            FloorMsPerStepByRepeat = floors,
            StepToFp32Step = step / fp32StepMs,
        };
    }
}
