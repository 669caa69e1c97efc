using CategoricalVae.Common;
using CategoricalVae.Model;
using ScottPlot;

namespace CategoricalVae.Imaging;

/// <summary>latent-usage-&lt;epoch&gt;.png: heat map of the mean q(y|x), one row per latent variable.</summary>
public static class LatentUsagePlot
{
    public const int Width = 700, Height = 900;

    public static void Write(string path, LatentUsage usage, int epoch, AtomicWriter writer)
    {
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(usage.MeanPosterior);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.FlipVertically = true;
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "mean q(y = category | x) over the test set";
        plot.Title($"Latent usage, epoch {epoch}: mean perplexity {usage.MeanPerplexity:F2}, {usage.DeadLatents} dead (< {LatentUsage.DeadBelow})");
        plot.XLabel("category");
        plot.YLabel("latent variable");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.SetLimits(-0.5, usage.MeanPosterior.GetLength(1) - 0.5, -0.5, usage.MeanPosterior.GetLength(0) - 0.5);
        writer.Write(path, plot.GetImageBytes(Width, Height, ImageFormat.Png));
    }
}
