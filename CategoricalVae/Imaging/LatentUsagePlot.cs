using CategoricalVae.Common;
using CategoricalVae.Model;
using ScottPlot;
using SkiaSharp;

namespace CategoricalVae.Imaging;

/// <summary>
/// latent-usage-&lt;epoch&gt;.png: on the left, the heat map of the mean q(z|x) over the test set, one row per latent
/// variable; on the right, beside each row, a bar of that latent's mean KL to the prior, coloured by whether it is
/// active. A latent that carries nothing shows a flat row and no bar.
/// </summary>
public static class LatentUsagePlot
{
    public const int HeatMapWidth = 700, BarsWidth = 300, Height = 900;
    public const int Width = HeatMapWidth + BarsWidth;

    // The same top and bottom margins in both halves, so each bar lines up with its row.
    const int Top = 60, Bottom = 55;

    public static void Write(string path, LatentUsage usage, int epoch, AtomicWriter writer)
    {
        int latents = usage.LatentCount, categories = usage.MeanPosterior.GetLength(1);
        var heat = new Plot();
        var heatmap = heat.Add.Heatmap(usage.MeanPosterior);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.FlipVertically = true;
        // The colour bar's own label sits at a fixed offset that its tick labels overrun, so the x label says it.
        heat.Add.ColorBar(heatmap);
        heat.Title($"Epoch {epoch}: active {usage.ActiveLatents}/{latents} (activity > {LatentUsage.ActiveAbove}), perplexity {usage.MeanPerplexity:F2}, {usage.DeadLatents} dead");
        heat.XLabel("category (colour: mean q(z = category | x) over the test set)");
        heat.YLabel("latent variable");
        heat.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        heat.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        heat.Axes.SetLimits(-0.5, categories - 0.5, -0.5, latents - 0.5);
        heat.Layout.Fixed(new PixelPadding(60, 110, Bottom, Top));

        var bars = new Plot();
        var active = new List<Bar>();
        for (int l = 0; l < latents; l++)
            active.Add(new Bar
            {
                Position = l, // the heat map's row l sits at y = l

                Value = usage.Kl[l],
                FillColor = usage.Activity[l] > LatentUsage.ActiveAbove ? Colors.SteelBlue : Colors.LightGray,
                LineWidth = 0,
                Size = 0.8,
            });
        var barPlot = bars.Add.Bars(active);
        barPlot.Horizontal = true;
        bars.Title("KL to the prior");
        bars.XLabel("nats (grey: inactive)");
        bars.Axes.Left.TickLabelStyle.IsVisible = false;
        bars.Axes.SetLimits(0, Math.Max(1e-3, usage.Kl.DefaultIfEmpty(0).Max() * 1.1), -0.5, latents - 0.5);
        bars.Layout.Fixed(new PixelPadding(10, 20, Bottom, Top));

        // Each half rendered in memory and drawn onto the whole: one PNG encoding instead of three and two decodings.
        using var left = Render(heat, HeatMapWidth);
        using var right = Render(bars, BarsWidth);
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        surface.Canvas.Clear(SKColors.White);
        surface.Canvas.DrawImage(left, 0, 0);
        surface.Canvas.DrawImage(right, HeatMapWidth, 0);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        writer.Write(path, png.AsSpan());
    }

    static SKImage Render(Plot plot, int width)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, Height));
        plot.Render(surface.Canvas, width, Height);
        return surface.Snapshot();
    }
}
