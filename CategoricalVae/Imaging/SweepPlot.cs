using CategoricalVae.Common;
using ScottPlot;

namespace CategoricalVae.Imaging;

/// <summary>compare.png of a sweep: each configuration's mean curve over seeds with a ±1 sd band.</summary>
public static class SweepPlot
{
    /// <summary>One configuration's curve: its label and, per epoch, the mean and sd over its seeds.</summary>
    public sealed record Band(string Label, IReadOnlyList<(int Epoch, double Mean, double Sd)> Curve);

    public static void Write(string path, IReadOnlyList<Band> bands, string metricName, AtomicWriter writer)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory != null)
            Directory.CreateDirectory(directory);
        writer.Write(path, Png(bands, metricName));
    }

    /// <summary>The picture as PNG bytes.</summary>
    public static byte[] Png(IReadOnlyList<Band> bands, string metricName)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var band in bands.Where(b => b.Curve.Count > 0))
        {
            double[] x = band.Curve.Select(c => (double)c.Epoch).ToArray();
            var color = palette.GetColor(i++);
            var fill = plot.Add.FillY(x, band.Curve.Select(c => c.Mean - c.Sd).ToArray(), band.Curve.Select(c => c.Mean + c.Sd).ToArray());
            fill.FillColor = color.WithAlpha(0.2);
            fill.LineWidth = 0;
            var line = plot.Add.Scatter(x, band.Curve.Select(c => c.Mean).ToArray());
            line.Color = color;
            line.LegendText = band.Label;
        }
        plot.Title($"{metricName} per epoch: mean ± 1 sd over seeds");
        plot.XLabel("epoch");
        plot.YLabel($"{metricName} (nats per example)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        return plot.GetImageBytes(ComparePlot.Width, ComparePlot.Height, ImageFormat.Png);
    }
}
