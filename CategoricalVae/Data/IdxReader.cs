using System.Buffers.Binary;
using System.IO.Compression;

namespace CategoricalVae.Data;

/// <summary>
/// Reads MNIST IDX files (raw or gzip, detected by content). Every violation is an
/// <see cref="IdxFormatException"/> naming the file; memory is bounded by the data actually present,
/// never by a count claimed in the header.
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 2051;
    public const int LabelsMagic = 2049;
    public const int Side = 28;

    // Far above MNIST's 60 000; a header claiming more is refused before anything is allocated.
    public const int MaxCount = 1_000_000;

    public static IdxImages ReadImages(string path)
    {
        using var stream = OpenContent(path);
        Span<byte> header = stackalloc byte[16];
        int count = ReadHeader(stream, header, path, "image", ImagesMagic);
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int cols = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (rows != Side || cols != Side)
            throw new IdxFormatException(path, $"images are {rows}×{cols}, expected {Side}×{Side}");
        byte[] pixels = ReadBody(stream, (long)count * rows * cols, path);
        return new IdxImages(count, rows, cols, pixels);
    }

    public static byte[] ReadLabels(string path)
    {
        using var stream = OpenContent(path);
        Span<byte> header = stackalloc byte[8];
        int count = ReadHeader(stream, header, path, "label", LabelsMagic);
        byte[] labels = ReadBody(stream, count, path);
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] > 9)
                throw new IdxFormatException(path, $"label {labels[i]} at index {i} is outside 0..9");
        return labels;
    }

    /// <summary>The file's content stream, decompressed if it is gzip.</summary>
    public static Stream OpenContent(string path)
    {
        FileStream file;
        try
        {
            long length = new FileInfo(path).Length;
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, (int)Math.Clamp(length, 1, Chunk));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdxFormatException(path, $"cannot be opened: {e.Message}");
        }
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        if (!gzip && path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            file.Dispose();
            throw new IdxFormatException(path, "is named .gz but is not gzip data");
        }
        return gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>Fills <paramref name="header"/>, checks the magic number and returns the item count.</summary>
    static int ReadHeader(Stream stream, Span<byte> header, string path, string kind, int expectedMagic)
    {
        int got = ReadFully(stream, header, path);
        if (got < header.Length)
            throw new IdxFormatException(path, $"truncated {kind} header: {got} of {header.Length} bytes");
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expectedMagic)
            throw new IdxFormatException(path, $"wrong magic number {magic} (a{(kind == "image" ? "n" : "")} {kind} file has {expectedMagic})");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0 || count > MaxCount)
            throw new IdxFormatException(path, $"header count {count} is outside 0..{MaxCount}");
        return count;
    }

    static byte[] ReadBody(Stream stream, long expected, string path)
    {
        // Sized by what is there, never by the header's claim: a raw file's remaining length, else (gzip, whose
        // size is unknown until read) one chunk, growing with the data actually read.
        long present = stream is FileStream file ? file.Length - file.Position : FirstGzipGuess;
        var body = new MemoryStream((int)Math.Min(expected, Math.Min(present, int.MaxValue)));
        byte[] chunk = new byte[(int)Math.Min(Chunk, Math.Min(expected, present) + 1)];
        long total = 0;
        while (true)
        {
            int want = (int)Math.Min(chunk.Length, expected + 1 - total);
            if (want <= 0) break;
            int n = Read(stream, chunk.AsSpan(0, want), path);
            if (n == 0) break;
            body.Write(chunk, 0, n);
            total += n;
        }
        if (total < expected)
            throw new IdxFormatException(path, $"truncated: header promises {expected} data bytes, file has {total}");
        if (total > expected)
            throw new IdxFormatException(path, $"has data beyond the {expected} bytes its header promises");
        return body.Length == body.Capacity ? body.GetBuffer() : body.ToArray();
    }

    const int Chunk = 1 << 16;

    /// <summary>gzip's decompressed size is unknown until read: the body starts this small and doubles as data arrives.</summary>
    const int FirstGzipGuess = 4096;

    static int ReadFully(Stream stream, Span<byte> buffer, string path)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = Read(stream, buffer[total..], path);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    static int Read(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException(path, $"corrupt gzip data: {e.Message}");
        }
        catch (IOException e)
        {
            throw new IdxFormatException(path, $"read failed: {e.Message}");
        }
    }
}
