using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Evaluation;

/// <summary>
/// How far an estimator's mean gradient is from the exact one, from n draws g_i against the exact g*. With
/// d_i = g_i − g*, the statistic U = Σ_{i≠j} d_i·d_j / (n(n−1)) = ‖ḡ − g*‖² − tr(Σ̂)/n is an unbiased estimate of the
/// squared bias ‖E[g] − g*‖²: the noise the draws' own spread adds to ‖ḡ − g*‖² is taken out, so an unbiased
/// estimator reads zero within its error. Its standard error is the delete-a-group jackknife over
/// <see cref="Groups"/> groups of consecutive draws. Both are reported relative to ‖g*‖², with cos(ḡ, g*).
/// </summary>
public sealed class BiasEstimate : IDisposable
{
    /// <summary>Groups of the jackknife (fewer when there are fewer draws).</summary>
    public const int Groups = 20;

    readonly Tensor _exact;
    readonly int _draws;
    readonly Tensor[] _groupSums;
    readonly double[] _groupSquares;
    readonly int[] _groupCounts;
    int _seen;

    /// <param name="exact">g*, float64.</param>
    public BiasEstimate(Tensor exact, int draws)
    {
        _exact = exact;
        _draws = draws;
        int groups = Math.Min(Groups, draws);
        _groupSums = Enumerable.Range(0, groups).Select(_ => zeros_like(exact).DetachFromDisposeScope()).ToArray();
        _groupSquares = new double[groups];
        _groupCounts = new int[groups];
    }

    /// <summary>Adds draw g (float64, g*'s shape); draws fill the groups in order.</summary>
    public void Add(Tensor g)
    {
        using var scope = NewDisposeScope();
        int group = (int)((long)_seen++ * _groupSums.Length / _draws);
        var d = g - _exact;
        _groupSums[group].add_(d);
        _groupSquares[group] += d.dot(d).ToDouble();
        _groupCounts[group]++;
    }

    public sealed record Figures(double RelativeSquaredBias, double StandardError, double CosineToExact);

    /// <summary>The figures once every draw is in; <paramref name="mean"/> is ḡ.</summary>
    public Figures Result(Tensor mean)
    {
        using var scope = NewDisposeScope();
        var total = _groupSums.Aggregate((a, b) => a + b);
        double squares = _groupSquares.Sum();
        int n = _groupCounts.Sum();
        double U(Tensor sum, double sumOfSquares, int count) =>
            count < 2 ? double.NaN : (sum.dot(sum).ToDouble() - sumOfSquares) / ((double)count * (count - 1));
        double u = U(total, squares, n);
        var leaveOut = _groupSums.Select((s, k) => U(total - s, squares - _groupSquares[k], n - _groupCounts[k])).ToArray();
        double average = leaveOut.Average(), m = leaveOut.Length;
        double se = Math.Sqrt((m - 1) / m * leaveOut.Sum(v => (v - average) * (v - average)));
        double exactSquare = _exact.dot(_exact).ToDouble();
        double cosine = mean.dot(_exact).ToDouble() / Math.Sqrt(mean.dot(mean).ToDouble() * exactSquare);
        return new Figures(u / exactSquare, se / exactSquare, cosine);
    }

    public void Dispose()
    {
        foreach (var s in _groupSums)
            s.Dispose();
    }
}
