using CategoricalVae.Common;
using CategoricalVae.Imaging;
using Xunit;

namespace CategoricalVae.Tests.Imaging;

[Trait("Category", Category.Unit)]
public class ImageGridTests
{
    [Fact]
    public void Cells_hold_the_images_in_row_major_order_with_grey_borders_and_values_rounded_to_bytes()
    {
        using var dir = new TempDir();
        const int count = 7, cols = 3;
        var pixels = new float[count * 784];
        for (int i = 0; i < count; i++)
            for (int p = 0; p < 784; p++)
                pixels[i * 784 + p] = (i * 784 + p) % 256 / 255f;
        pixels[5] = float.NaN;   // a diverged model's pixel is drawn black, not an exception
        pixels[6] = 7f;          // out of range: clamped
        ImageGrid.WritePng(dir.File("grid.png"), pixels, count, cols, AtomicWriter.Plain);

        var grid = PngGrid.Read(dir.File("grid.png"));
        Assert.Equal((3, 3), (grid.Cols, grid.Rows));
        Assert.Equal(ImageGrid.Size(3, 3), (grid.Pixels.GetLength(1), grid.Pixels.GetLength(0)));
        Assert.All(grid.BorderPixels(), p => Assert.Equal(110, p));
        for (int i = 0; i < count; i++)
        {
            byte[] cell = grid.Cell(i / cols, i % cols);
            for (int p = 0; p < 784; p++)
            {
                byte expected = (i, p) switch { (0, 5) => 0, (0, 6) => 255, _ => (byte)((i * 784 + p) % 256) };
                Assert.Equal(expected, cell[p]);
            }
        }
        Assert.All(grid.Cell(2, 1), p => Assert.Equal(110, p));   // past the last image: border grey
    }
}
