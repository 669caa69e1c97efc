using CategoricalVae.Data;

namespace CategoricalVae.Tests;

/// <summary>Seeded random "MNIST" in memory, for in-process runs that need no files.</summary>
public static class SyntheticData
{
    public static MnistData Create(int train = 300, int test = 100, int seed = 1) => new(Images(train, seed), Images(test, seed + 1));

    static MnistDataset Images(int count, int seed)
    {
        var rng = new Random(seed);
        byte[] pixels = new byte[count * 784], labels = new byte[count];
        rng.NextBytes(pixels);
        for (int i = 0; i < count; i++)
            labels[i] = (byte)(i % 10);
        return new MnistDataset(pixels, labels, count);
    }
}
