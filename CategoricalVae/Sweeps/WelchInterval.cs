namespace CategoricalVae.Sweeps;

/// <summary>The 95 % confidence interval of a difference of two means with unequal variances (Welch's t).</summary>
public static class WelchInterval
{
    /// <summary>Student's t 0.975 quantile at real-valued degrees of freedom: the Welch–Satterthwaite df of a few seeds
    /// lies between 1 and 4, where interpolating a table is off by up to 18 %.</summary>
    public static double TQuantile975(double df) =>
        double.IsPositiveInfinity(df) ? MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 0.975)
            : MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, Math.Max(df, 1), 0.975);

    /// <summary>Half-width of the 95 % interval of mean(a) − mean(b); null when either side has fewer than two values.</summary>
    public static double? HalfWidth(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count < 2 || b.Count < 2) return null;
        double va = Variance(a) / a.Count, vb = Variance(b) / b.Count;
        double se = Math.Sqrt(va + vb);
        if (se == 0) return 0;
        double df = (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        return TQuantile975(df) * se;
    }

    /// <summary>Sample variance (n − 1).</summary>
    public static double Variance(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
    }
}
