using CategoricalVae.Training;

namespace CategoricalVae.Benchmarks;

/// <summary>Notes when the first training step is done, counted from <paramref name="processStart"/>: the process's
/// start, moved on by the bench's own checks that a run does not make.</summary>
public sealed class FirstStepClock(DateTime processStart, EpochTimer timer) : ITrainingObserver
{
    public void BatchDone(BatchReport batch)
    {
        if (double.IsNaN(timer.StartupSeconds))
            timer.StartupSeconds = (DateTime.Now - processStart).TotalSeconds;
    }
}
