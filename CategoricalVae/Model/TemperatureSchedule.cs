namespace CategoricalVae.Model;

/// <summary>
/// Gumbel-Softmax temperature as a pure function of the position in training, so a resumed run sees
/// exactly the temperatures an uninterrupted one would.
/// </summary>
public sealed class TemperatureSchedule
{
    // The source hard-codes "% 100 == 1" regardless of anything else; the seed variant keeps that.
    const int SeedScriptPeriod = 100;

    public TemperatureSchedule(AnnealSchedule kind, double initial, double minimum, double rate, int every)
    {
        if (!(initial > 0) || double.IsInfinity(initial)) throw new ArgumentOutOfRangeException(nameof(initial));
        if (!(minimum > 0) || minimum > initial) throw new ArgumentOutOfRangeException(nameof(minimum));
        if (!(rate >= 0) || double.IsInfinity(rate)) throw new ArgumentOutOfRangeException(nameof(rate));
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every));
        Kind = kind;
        Initial = initial;
        Minimum = minimum;
        Rate = rate;
        Every = every;
    }

    public AnnealSchedule Kind { get; }
    public double Initial { get; }
    public double Minimum { get; }
    public double Rate { get; }
    public int Every { get; }

    /// <summary>
    /// τ used by the step that follows <paramref name="stepsDone"/> completed steps in total, of which
    /// <paramref name="batchesDoneInEpoch"/> in the current epoch. With both at their epoch-end values it
    /// is the temperature at the end of that epoch.
    /// </summary>
    public double Temperature(long stepsDone, int batchesDoneInEpoch)
    {
        if (Kind == AnnealSchedule.Global)
        {
            long evaluatedAt = stepsDone / Every * Every;
            return Math.Max(Minimum, Initial * Math.Exp(-Rate * evaluatedAt));
        }

        // Updates happened after batches 1, 101, 201, … of this epoch, each multiplying by exp(−rate·batch_idx).
        double tau = Initial;
        for (int batchIdx = 1; batchIdx < batchesDoneInEpoch; batchIdx += SeedScriptPeriod)
            tau = Math.Max(tau * Math.Exp(-Rate * batchIdx), Minimum);
        return tau;
    }
}
