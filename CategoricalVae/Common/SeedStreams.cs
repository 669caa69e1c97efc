namespace CategoricalVae.Common;

/// <summary>
/// Derives an independent seed for each random stream of each epoch from --seed. Every epoch starts its
/// streams afresh, so resuming at an epoch boundary needs no saved RNG state and evaluation never shifts
/// the training noise.
/// </summary>
public static class SeedStreams
{
    public enum Stream
    {
        Shuffle = 1,
        TrainNoise = 2,
        EvalNoise = 3,
        PriorSamples = 4,
        BinarizeTrainSet = 5,
        BinarizeTestSet = 6,
        BinarizeBatch = 7,
        Evaluation = 8,
        GradientVariance = 9,
    }

    public static ulong For(long seed, int epoch, Stream stream)
    {
        // SplitMix64 over the three values: cheap, well mixed, stable across platforms and .NET versions.
        ulong x = (ulong)seed;
        x = Mix(x ^ Mix((ulong)epoch + 0x9E3779B97F4A7C15UL));
        x = Mix(x ^ Mix((ulong)stream * 0xBF58476D1CE4E5B9UL));
        return x;
    }

    /// <summary>A stream's seed in the range torch.Generator accepts (non-negative as a long).</summary>
    public static ulong GeneratorSeed(long seed, int epoch, Stream stream) => For(seed, epoch, stream) & 0x7FFF_FFFF_FFFF_FFFFUL;

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
