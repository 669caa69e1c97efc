using CategoricalVae.Common;
using CategoricalVae.Runs;
using ScottPlot;

namespace CategoricalVae.Imaging;

/// <summary>compare.png of a sweep: each configuration's mean curve over seeds with a ±1 sd band.</summary>
public static class SweepPlot
{
    public static void Write(string path, IReadOnlyList<SweepGroup> groups, CompareMetric metric, AtomicWriter writer)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var group in groups.Where(g => g.Members.Any(m => m.Rows.Count > 0)))
        {
            var curve = group.Curve();
            double[] x = curve.Select(c => (double)c.Epoch).ToArray();
            var color = palette.GetColor(i++);
            var band = plot.Add.FillY(x, curve.Select(c => c.Mean - c.Sd).ToArray(), curve.Select(c => c.Mean + c.Sd).ToArray());
            band.FillColor = color.WithAlpha(0.2);
            band.LineWidth = 0;
            var line = plot.Add.Scatter(x, curve.Select(c => c.Mean).ToArray());
            line.Color = color;
            line.LegendText = $"{group.Configuration} (n={group.Seeds})";
        }
        plot.Title($"{metric.ColumnName()} per epoch: mean ± 1 sd over seeds");
        plot.XLabel("epoch");
        plot.YLabel($"{metric.ColumnName()} (nats per example)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory != null)
            Directory.CreateDirectory(directory);
        writer.Write(path, plot.GetImageBytes(ComparePlot.Width, ComparePlot.Height, ImageFormat.Png));
    }
}
