using CategoricalVae.Runs;

namespace CategoricalVae.Training;

/// <summary>Several observers as one, called in order.</summary>
public sealed class ObserverList(params ITrainingObserver[] observers) : ITrainingObserver
{
    public void RunEpoch(int epoch, Action train)
    {
        Action run = train;
        // The first observer's wrapper is the outermost.
        foreach (var observer in observers.Reverse())
        {
            Action inner = run;
            run = () => observer.RunEpoch(epoch, inner);
        }
        run();
    }

    public void BatchDone(BatchReport batch)
    {
        foreach (var observer in observers)
            observer.BatchDone(batch);
    }

    public void EpochDone(EpochMetrics metrics, EpochTimings timings)
    {
        foreach (var observer in observers)
            observer.EpochDone(metrics, timings);
    }
}
