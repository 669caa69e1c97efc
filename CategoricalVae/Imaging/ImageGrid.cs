using CategoricalVae.Common;
using SkiaSharp;

namespace CategoricalVae.Imaging;

/// <summary>
/// Writes a grid of 28×28 grey images as an 8-bit PNG: values 0..1 map to 0..255, cells separated by a
/// thin grey border so black backgrounds of neighbours stay distinguishable.
/// </summary>
public static class ImageGrid
{
    public const int Border = 2;
    const byte BorderGrey = 110;

    /// <summary>Pixel size of a grid of <paramref name="rows"/>×<paramref name="cols"/> cells.</summary>
    public static (int Width, int Height) Size(int rows, int cols, int side = 28) =>
        (cols * side + (cols + 1) * Border, rows * side + (rows + 1) * Border);

    /// <param name="pixels">Row-major images, <paramref name="count"/> × side², values in [0, 1].</param>
    public static void WritePng(string path, ReadOnlySpan<float> pixels, int count, int cols, AtomicWriter writer, int side = 28)
    {
        int rows = (count + cols - 1) / cols;
        (int width, int height) = Size(rows, cols, side);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        Span<byte> target = bitmap.GetPixelSpan();
        int stride = bitmap.RowBytes;
        target.Fill(BorderGrey);
        for (int i = 0; i < count; i++)
        {
            int x0 = Border + i % cols * (side + Border), y0 = Border + i / cols * (side + Border);
            for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
                target[(y0 + y) * stride + x0 + x] = ToByte(pixels[(i * side + y) * side + x]);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        writer.Write(path, png.AsSpan());
    }

    static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
}
