using CategoricalVae.Common;
using CategoricalVae.Imaging;
using SkiaSharp;
using Xunit;

namespace CategoricalVae.Tests.Imaging;

/// <summary>The sweep picture is drawn from plain numbers (a label and a mean ± sd curve per configuration), so it
/// needs no sweep folder.</summary>
[Trait("Category", Category.Unit)]
public class SweepPlotTests
{
    [Fact]
    public void Each_configuration_is_drawn_in_its_own_colour_and_an_empty_curve_is_left_out()
    {
        using var dir = new TempDir();
        SweepPlot.Band Band(string label, double level) =>
            new(label, Enumerable.Range(1, 5).Select(e => (e, level - e, 0.5)).ToList());
        SweepPlot.Write(dir.File("one.png"), [Band("a", 120)], "test_loss", AtomicWriter.Plain);
        SweepPlot.Write(dir.File("three.png"), [Band("a", 120), Band("b", 100), new SweepPlot.Band("empty", [])], "test_loss", AtomicWriter.Plain);

        using var one = SKBitmap.Decode(dir.File("one.png"));
        using var three = SKBitmap.Decode(dir.File("three.png"));
        Assert.Equal((ComparePlot.Width, ComparePlot.Height), (three.Width, three.Height));
        Assert.True(Colours(three).Count > Colours(one).Count, "a second configuration adds its colour");
    }

    static HashSet<SKColor> Colours(SKBitmap bitmap)
    {
        var colours = new HashSet<SKColor>();
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
                if (bitmap.GetPixel(x, y) is var c && (c.Red != c.Green || c.Green != c.Blue))
                    colours.Add(c);
        return colours;
    }
}
