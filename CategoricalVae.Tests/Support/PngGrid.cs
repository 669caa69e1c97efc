using SkiaSharp;

namespace CategoricalVae.Tests;

/// <summary>Reads back a grid PNG written by ImageGrid: its 28×28 cells and its border pixels.</summary>
public sealed class PngGrid
{
    public const int Side = 28, Border = 2;

    PngGrid(byte[,] pixels, int cols, int rows) => (Pixels, Cols, Rows) = (pixels, cols, rows);

    /// <summary>[y, x] grey levels.</summary>
    public byte[,] Pixels { get; }
    public int Cols { get; }
    public int Rows { get; }

    public static PngGrid Read(string path)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path} does not decode");
        var pixels = new byte[bitmap.Height, bitmap.Width];
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red != c.Green || c.Green != c.Blue)
                    throw new InvalidDataException($"{path} is not greyscale at ({x}, {y})");
                pixels[y, x] = c.Red;
            }
        int cols = (bitmap.Width - Border) / (Side + Border), rows = (bitmap.Height - Border) / (Side + Border);
        if (cols * (Side + Border) + Border != bitmap.Width || rows * (Side + Border) + Border != bitmap.Height)
            throw new InvalidDataException($"{path}: {bitmap.Width}×{bitmap.Height} is not a grid of 28×28 cells");
        return new PngGrid(pixels, cols, rows);
    }

    /// <summary>Cell (row, col) as 784 grey levels, row-major.</summary>
    public byte[] Cell(int row, int col)
    {
        var cell = new byte[Side * Side];
        int x0 = Border + col * (Side + Border), y0 = Border + row * (Side + Border);
        for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
                cell[y * Side + x] = Pixels[y0 + y, x0 + x];
        return cell;
    }

    /// <summary>Every pixel that lies between or around the cells.</summary>
    public IEnumerable<byte> BorderPixels()
    {
        for (int y = 0; y < Pixels.GetLength(0); y++)
            for (int x = 0; x < Pixels.GetLength(1); x++)
                if (y % (Side + Border) < Border || x % (Side + Border) < Border)
                    yield return Pixels[y, x];
    }
}
