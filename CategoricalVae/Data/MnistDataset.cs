using static TorchSharp.torch;

namespace CategoricalVae.Data;

/// <summary>
/// One MNIST split in memory as a single uint8 tensor [N, 784] plus labels; batches are gathered and
/// scaled to [0, 1] (torchvision's ToTensor, no normalisation) only when asked for.
/// </summary>
public sealed class MnistDataset : IDisposable
{
    public MnistDataset(byte[] pixels, byte[] labels, int count)
    {
        if (pixels.Length < (long)count * 784) throw new ArgumentException("fewer pixels than count × 784", nameof(pixels));
        if (labels.Length < count) throw new ArgumentException("fewer labels than count", nameof(labels));
        Count = count;
        Images = tensor(pixels.AsSpan(0, count * 784).ToArray(), [count, 784], ScalarType.Byte);
        Labels = tensor(labels.AsSpan(0, count).ToArray(), [count], ScalarType.Byte);
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
    public Tensor Images { get; private set; }

    /// <summary>Replaces the grey levels by a fixed stochastic binarisation (0/255) drawn from
    /// <paramref name="seed"/>; <paramref name="split"/> keeps the train and test draws independent.</summary>
    public void BinarizeFixed(long seed, Training.SeedStreams.Stream split)
    {
        var binary = Binarizer.Fixed(Images, seed, split);
        Images.Dispose();
        Images = binary;
    }

    /// <summary>uint8 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>Number of batches with the last partial batch kept.</summary>
    public int BatchCount(int batchSize) => (Count + batchSize - 1) / batchSize;

    /// <summary>float32 [b, 784] in [0, 1] for the given int64 indices.</summary>
    public Tensor Batch(Tensor indices)
    {
        using var scope = NewDisposeScope();
        return Images.index_select(0, indices).to(ScalarType.Float32).div_(255f).MoveToOuterDisposeScope();
    }

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
