using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CategoricalVae.Common;
using static TorchSharp.torch;

namespace CategoricalVae.Data;

/// <summary>
/// One MNIST split in memory as a single uint8 tensor [N, 784] plus labels; batches are gathered and scaled to
/// [0, 1] (torchvision's ToTensor, no normalisation) only when asked for. A dataset never changes: limiting or
/// binarising it gives a new one, so loaded data can be shared by several runs in one process.
/// </summary>
public sealed class MnistDataset : IDisposable
{
    public MnistDataset(byte[] pixels, byte[] labels, int count)
        : this(tensor(pixels.AsSpan(0, Checked(pixels, labels, count) * 784).ToArray(), [count, 784], ScalarType.Byte),
               tensor(labels.AsSpan(0, count).ToArray(), [count], ScalarType.Byte))
    {
    }

    MnistDataset(Tensor images, Tensor labels)
    {
        Images = images;
        Labels = labels;
        Count = (int)images.shape[0];
    }

    static int Checked(byte[] pixels, byte[] labels, int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        if (pixels.Length < (long)count * 784) throw new ArgumentException("fewer pixels than count × 784", nameof(pixels));
        if (labels.Length < count) throw new ArgumentException("fewer labels than count", nameof(labels));
        return count;
    }

    /// <summary>Reads an image file and its label file, checks they agree, keeps the first
    /// <paramref name="limit"/> examples when given.</summary>
    public static MnistDataset Load(string imagesPath, string labelsPath, int? limit = null)
    {
        IdxImages images = IdxReader.ReadImages(imagesPath);
        byte[] labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Length)
            throw new IdxFormatException(labelsPath, $"has {labels.Length} labels but {Path.GetFileName(imagesPath)} has {images.Count} images");
        int count = limit is int n ? Math.Min(n, images.Count) : images.Count;
        return new MnistDataset(images.Pixels, labels, count);
    }

    public int Count { get; }

    /// <summary>uint8 [N, 784].</summary>
    public Tensor Images { get; }

    /// <summary>uint8 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>The first <paramref name="limit"/> examples (all when null or larger), sharing this one's memory.</summary>
    public MnistDataset Take(int? limit)
    {
        long n = limit is int l ? Math.Min(l, Count) : Count;
        return new MnistDataset(Images.narrow(0, 0, n), Labels.narrow(0, 0, n));
    }

    /// <summary>A fixed stochastic binarisation (0/255) of this dataset drawn from <paramref name="seed"/>;
    /// <paramref name="split"/> keeps the train and test draws independent.</summary>
    public MnistDataset BinarizedFixed(long seed, SeedStreams.Stream split) =>
        new(Binarizer.Fixed(Images, seed, split), Labels.narrow(0, 0, Count));

    /// <summary>Number of batches with the last partial batch kept.</summary>
    public int BatchCount(int batchSize) => (int)((Count + (long)batchSize - 1) / batchSize);

    /// <summary>float32 [b, 784] in [0, 1] for the given int64 indices.</summary>
    public Tensor Batch(Tensor indices)
    {
        using var scope = NewDisposeScope();
        return Images.index_select(0, indices).to(ScalarType.Float32).div_(255f).MoveToOuterDisposeScope();
    }

    /// <summary>The same values as <see cref="Batch"/>, written into the first rows of <paramref name="destination"/>
    /// (contiguous float32 CPU, [≥ b, 784]) without allocating; returns those rows. Each pixel is divided by 255 as
    /// libtorch's div_ does, so the two agree bit for bit.</summary>
    public unsafe Tensor BatchInto(Tensor indices, Tensor destination)
    {
        int rows = checked((int)indices.shape[0]);
        if (indices.dtype != ScalarType.Int64 || !indices.is_contiguous() || destination.dtype != ScalarType.Float32
            || !destination.is_contiguous() || destination.shape[0] < rows || destination.shape[1] != Pixels)
            throw new ArgumentException("int64 indices and a contiguous float32 [≥ b, 784] destination expected");
        byte* source = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(Images.bytes));
        long* index = (long*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(indices.bytes));
        float* target = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(destination.bytes));
        var scale = new Vector<float>(255f);
        for (int r = 0; r < rows; r++)
        {
            long i = index[r];
            if ((ulong)i >= (ulong)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), i, "index outside the dataset");
            byte* from = source + i * Pixels;
            float* to = target + (long)r * Pixels;
            int c = 0;
            for (; c + Vector<byte>.Count <= Pixels; c += Vector<byte>.Count)
            {
                Vector.Widen(Vector.Load(from + c), out var low, out var high);
                int at = c;
                foreach (var half in (Span<Vector<ushort>>)[low, high])
                {
                    Vector.Widen(half, out var a, out var b);
                    (Vector.ConvertToSingle(a) / scale).Store(to + at);
                    (Vector.ConvertToSingle(b) / scale).Store(to + at + Vector<float>.Count);
                    at += 2 * Vector<float>.Count;
                }
            }
            for (; c < Pixels; c++)
                to[c] = from[c] / 255f;
        }
        return destination.narrow(0, 0, rows);
    }

    const int Pixels = 784;

    /// <summary>float32 [b, 784] of examples start..start+b in file order.</summary>
    public Tensor Slice(long start, long length)
    {
        using var scope = NewDisposeScope();
        return Images.narrow(0, start, length).to(ScalarType.Float32).div_(255f).MoveToOuterDisposeScope();
    }

    /// <summary>A permutation of 0..N-1 drawn from <paramref name="generator"/> (int64).</summary>
    public Tensor Shuffle(Generator generator) => randperm(Count, generator: generator);

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
