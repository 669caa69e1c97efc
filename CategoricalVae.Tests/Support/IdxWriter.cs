using System.Buffers.Binary;
using System.IO.Compression;

namespace CategoricalVae.Tests;

/// <summary>Writes small synthetic IDX files (never the real MNIST) for reader tests.</summary>
public static class IdxWriter
{
    public static byte[] Images(int count, int rows = 28, int cols = 28, int magic = 2051, int? headerCount = null, int seed = 1)
    {
        var rng = new Random(seed);
        byte[] data = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(data, magic);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), headerCount ?? count);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(12), cols);
        rng.NextBytes(data.AsSpan(16));
        return data;
    }

    public static byte[] Labels(int count, int magic = 2049, int? headerCount = null, byte? forceLabel = null)
    {
        byte[] data = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(data, magic);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), headerCount ?? count);
        for (int i = 0; i < count; i++)
            data[8 + i] = forceLabel ?? (byte)(i % 10);
        return data;
    }

    public static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(raw);
        return output.ToArray();
    }
}
