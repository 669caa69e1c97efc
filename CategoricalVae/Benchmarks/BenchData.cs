using CategoricalVae.Common;
using CategoricalVae.Data;

namespace CategoricalVae.Benchmarks;

/// <summary>The images `bench` trains and evaluates on.</summary>
public static class BenchData
{
    const int TrainImages = 60_000;

    /// <summary>Cached, verified MNIST if the data folder has it (a benchmark never downloads), else seeded random
    /// images of the same shape; says so when it cannot use MNIST.</summary>
    public static MnistData Load(string dataDir, int trainSize, int evalSize, out string source)
    {
        string? why = null;
        if (trainSize > TrainImages)
            why = $"--steps needs {trainSize} training images, more than MNIST's {TrainImages}";
        else
        {
            try
            {
                var files = new MnistDataDirectory(dataDir, [], _ => { }).EnsureAsync().GetAwaiter().GetResult();
                source = "mnist";
                return new MnistData(MnistDataset.Load(files[MnistFile.TrainImages], files[MnistFile.TrainLabels], trainSize),
                    MnistDataset.Load(files[MnistFile.TestImages], files[MnistFile.TestLabels], evalSize));
            }
            catch (UserFacingException)
            {
                why = $"no verified MNIST in {Path.GetFullPath(dataDir)}";
            }
        }
        Console.Error.WriteLine($"warning: bench uses synthetic random images ({why}); timings hold, pictures and losses mean nothing.");
        source = "synthetic";
        return new MnistData(Synthetic(trainSize, 1), Synthetic(evalSize, 2));
    }

    static MnistDataset Synthetic(int count, int seed)
    {
        var rng = new Random(seed);
        byte[] pixels = new byte[(long)count * 784], labels = new byte[count];
        rng.NextBytes(pixels);
        return new MnistDataset(pixels, labels, count);
    }
}
