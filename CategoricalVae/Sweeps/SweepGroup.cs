using CategoricalVae.Runs;

namespace CategoricalVae.Sweeps;

/// <summary>The members of one configuration of a sweep, and their figures across seeds.</summary>
public sealed record SweepGroup(string Configuration, IReadOnlyList<RunSummary> Members, CompareMetric Metric)
{
    public int Seeds => Members.Count;
    public IReadOnlyList<double> Finals => Members.Select(m => m.Final(Metric)).OfType<double>().ToList();
    public IReadOnlyList<double> Bests => Members.Select(m => m.Best(Metric)?.Value).OfType<double>().ToList();

    /// <summary>−ELBO and NLL only when every member has a current evaluation.</summary>
    public IReadOnlyList<double>? NegativeElbos => Members.All(m => m.Evaluation != null) ? Members.Select(m => m.Evaluation!.NegativeElbo).ToList() : null;
    public IReadOnlyList<double>? Nlls => Members.All(m => m.Evaluation != null) ? Members.Select(m => m.Evaluation!.NegativeLogLikelihoodEstimate).ToList() : null;

    /// <summary>Active latents at the last epoch, where metrics.csv has the column.</summary>
    public IReadOnlyList<double> ActiveLatents => Members.Select(m => m.ActiveLatents).Where(a => a >= 0).Select(a => (double)a!.Value).ToList();

    public IReadOnlyList<double> SecondsPerEpoch => Members.Where(m => m.EpochsDone > 0).Select(m => m.TotalSeconds / m.EpochsDone).ToList();

    /// <summary>Each member's own estimator's gradient variance from its gradvar.json, when every member has one.</summary>
    public IReadOnlyList<double>? GradientVariances
    {
        get
        {
            var values = Members.Select(m => GradientVarianceReport.OwnVariance(m.Path, m.Estimator)).ToList();
            return values.Count > 0 && values.All(v => v != null) ? values.Select(v => v!.Value).ToList() : null;
        }
    }

    /// <summary>Mean and sample standard deviation per epoch over the members that reached it.</summary>
    public IReadOnlyList<(int Epoch, double Mean, double Sd)> Curve()
    {
        int epochs = Members.Count == 0 ? 0 : Members.Max(m => m.EpochsDone);
        var curve = new List<(int, double, double)>();
        for (int e = 1; e <= epochs; e++)
        {
            var values = Members.Where(m => m.Rows.Count >= e).Select(m => Metric.Of(m.Rows[e - 1])).ToList();
            curve.Add((e, values.Average(), values.Count > 1 ? Math.Sqrt(WelchInterval.Variance(values)) : 0));
        }
        return curve;
    }
}
