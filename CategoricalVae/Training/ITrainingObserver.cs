using CategoricalVae.Runs;

namespace CategoricalVae.Training;

/// <summary>
/// What a training run tells the outside world as it goes: the console's progress bar, `bench`'s timers, a
/// sweep's bookkeeping. Every member has a default that does nothing, so an observer implements only what it needs.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>Runs one epoch's training batches (<paramref name="train"/>); a console can wrap them in a progress
    /// display.</summary>
    void RunEpoch(int epoch, Action train) => train();

    /// <summary>After every training batch.</summary>
    void BatchDone(BatchReport batch) { }

    /// <summary>After an epoch's metrics row and checkpoint are written.</summary>
    void EpochDone(EpochMetrics metrics, EpochTimings timings) { }
}

/// <summary>One finished training batch: <paramref name="Batch"/> of <paramref name="Batches"/> (1-based) in
/// <paramref name="Epoch"/>, <paramref name="StepsDone"/> optimizer steps in all, and the batch's loss.</summary>
public readonly record struct BatchReport(int Epoch, int Batch, int Batches, long StepsDone, double Loss);
