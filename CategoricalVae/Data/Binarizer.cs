using CategoricalVae.Common;
using static TorchSharp.torch;

namespace CategoricalVae.Data;

/// <summary>
/// Stochastic binarisation: pixel = 1 when its grey level exceeds a Uniform[0, 1) threshold, i.e. a Bernoulli
/// draw with the grey level as probability. Thresholds come in blocks of <see cref="BlockRows"/> images, each
/// block from its own seed, so image i's thresholds depend only on the seed and i: a run trained on the first
/// 100 test images and an evaluation of all 10 000 see the same pixels for those 100.
/// </summary>
public static class Binarizer
{
    public const int BlockRows = 1000;

    /// <summary>uint8 [N, 784] of 0/255 from grey levels uint8 [N, 784].</summary>
    public static Tensor Fixed(Tensor greyLevels, long seed, SeedStreams.Stream split)
    {
        using var scope = NewDisposeScope();
        long rows = greyLevels.shape[0], cols = greyLevels.shape[1];
        var result = empty_like(greyLevels);
        for (long start = 0; start < rows; start += BlockRows)
        {
            using var block = NewDisposeScope();
            long length = Math.Min(BlockRows, rows - start);
            using var generator = new Generator(SeedFor(seed, (int)(start / BlockRows), split));
            var thresholds = rand([BlockRows, cols], generator: generator).narrow(0, 0, length);
            var grey = greyLevels.narrow(0, start, length).to(ScalarType.Float32).div_(255f);
            result.narrow(0, start, length).copy_(grey.gt(thresholds).to(ScalarType.Byte).mul_(255));
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>A fresh 0/1 float sample of a float batch in [0, 1] (dynamic binarisation).</summary>
    public static Tensor Sample(Tensor grey, Generator generator)
    {
        using var scope = NewDisposeScope();
        var thresholds = rand(grey.shape, ScalarType.Float32, grey.device, generator: generator);
        return grey.gt(thresholds).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Seed of the thresholds of one batch of dynamic binarisation: depends only on (seed, epoch, batch),
    /// so a run resumed mid-epoch draws what the uninterrupted run would have.</summary>
    public static ulong BatchSeed(long seed, int epoch, int batch) =>
        SeedFor((long)SeedStreams.For(seed, epoch, SeedStreams.Stream.BinarizeBatch), batch, SeedStreams.Stream.BinarizeBatch);

    static ulong SeedFor(long seed, int index, SeedStreams.Stream stream) =>
        SeedStreams.GeneratorSeed(seed, index, stream);
}
