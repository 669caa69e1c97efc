using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Benchmarks;

/// <summary>Times the epochs of the same run with bfloat16 products, with the bfloat16 floor measured right after each
/// epoch and the float32 one beside it, so the two ratios come from the same minutes of the machine.</summary>
public sealed class Bf16Timer(TrainOptions options, int steps) : ITrainingObserver
{
    readonly List<double> _steps = [], _floors = [], _fp32Floors = [], _libTorchFloors = [];
    readonly int[] _widths = MatmulFloor.LayerWidths(options.LatentDim, options.Categories);

    public void EpochDone(EpochMetrics metrics, EpochTimings timings)
    {
        _steps.Add(timings.TrainSeconds * 1000 / steps);
        _floors.Add(MatmulFloor.MillisecondsPerStep(options.BatchSize, _widths, steps, repeats: 1, bf16: true));
        _fp32Floors.Add(MatmulFloor.MillisecondsPerStep(options.BatchSize, _widths, steps, repeats: 1));
        _libTorchFloors.Add(MatmulFloor.MillisecondsPerStep(options.BatchSize, _widths, steps, repeats: 1, addmm: true, bf16: true));
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
            LibTorchFloorMsPerStep = MatmulFloor.Median(_libTorchFloors.Skip(1)),
            TrainMsPerStep = step,
            TrainMsPerStepByRepeat = train,
            FloorMsPerStepByRepeat = floors,
            StepToFp32Step = step / fp32StepMs,
        };
    }
}
