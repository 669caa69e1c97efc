using CategoricalVae.Common;
using ScottPlot;

namespace CategoricalVae.Imaging;

/// <summary>Line chart of per-epoch series (ScottPlot), written atomically as PNG.</summary>
public static class EpochPlot
{
    public sealed record Series(string Label, double[] Epochs, double[] Values);

    public static void Write(string path, string title, string yLabel, IEnumerable<Series> series, int width, int height, AtomicWriter writer)
    {
        byte[] png = Png(title, yLabel, series, width, height);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory != null)
            Directory.CreateDirectory(directory);
        writer.Write(path, png);
    }

    /// <summary>The chart as PNG bytes.</summary>
    public static byte[] Png(string title, string yLabel, IEnumerable<Series> series, int width, int height)
    {
        var plot = new Plot();
        foreach (Series s in series)
            plot.Add.Scatter(s.Epochs, s.Values).LegendText = s.Label;
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
