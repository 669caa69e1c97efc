namespace CategoricalVae.Runs;

/// <summary>The 95 % confidence interval of a difference of two means with unequal variances (Welch's t).</summary>
public static class WelchInterval
{
    // Student's t 0.975 quantiles; between tabulated degrees of freedom interpolated in 1/df, which is accurate to
    // the third decimal and avoids a statistics package for one number.
    static readonly (double Df, double T)[] Quantiles =
    [
        (1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (7, 2.365), (8, 2.306), (9, 2.262), (10, 2.228),
        (12, 2.179), (15, 2.131), (20, 2.086), (25, 2.060), (30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980), (double.PositiveInfinity, 1.960),
    ];

    public static double TQuantile975(double df)
    {
        if (!(df >= 1)) return Quantiles[0].T;
        for (int i = 1; i < Quantiles.Length; i++)
        {
            var (d1, t1) = Quantiles[i - 1];
            var (d2, t2) = Quantiles[i];
            if (df <= d2)
            {
                double x = 1 / df, x1 = 1 / d1, x2 = double.IsInfinity(d2) ? 0 : 1 / d2;
                return t1 + (t2 - t1) * (x1 - x) / (x1 - x2);
            }
        }
        return 1.960;
    }

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
