namespace CategoricalVae.Common;

/// <summary>
/// Rare events made to happen on cue, for the tests of the guarantees: a pause or a full disk halfway through a
/// write, a NaN loss or gradient, a stop request. Production code asks the plan at those points; the plan in
/// normal use is <see cref="NoFaults"/>.
/// </summary>
public interface IFaultPlan
{
    /// <summary>Called by <see cref="AtomicWriter"/> once half of <paramref name="path"/>'s new content is on disk.</summary>
    void MidWrite(string path, Stream partlyWritten);

    /// <summary>A value to use instead of the loss of this global step (0-based), or null.</summary>
    double? LossAt(long step);

    /// <summary>True to fill this step's gradients with NaN before they are checked.</summary>
    bool PoisonGradientsAt(long step);

    /// <summary>True to behave as if Ctrl+C arrived once this many global steps are done.</summary>
    bool StopAfter(long stepsDone);
}
