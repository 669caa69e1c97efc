using CategoricalVae.Runs;

namespace CategoricalVae.Imaging;

/// <summary>compare.png: one line per run of the chosen metric against the epoch.</summary>
public static class ComparePlot
{
    public const int Width = 1000, Height = 600;

    /// <summary>The picture as PNG bytes.</summary>
    public static byte[] Png(IReadOnlyList<RunSummary> runs, CompareMetric metric) =>
        EpochPlot.Png($"{metric.ColumnName()} per epoch", $"{metric.ColumnName()} (nats per example)",
            runs.Where(r => r.Rows.Count > 0).Select(r => new EpochPlot.Series(
                r.Name, r.Rows.Select(m => (double)m.Epoch).ToArray(), r.Rows.Select(m => metric.Of(m)).ToArray())),
            Width, Height);
}
