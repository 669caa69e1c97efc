namespace CategoricalVae.Model.Estimators;

/// <summary>The settings of the estimators that take one: Gumbel-Rao's conditional draws K (--rao-samples) and RLOO's
/// samples per example S (--rloo-samples). The others ignore them.</summary>
public sealed record EstimatorSettings(int RaoSamples = EstimatorSettings.DefaultRaoSamples, int RlooSamples = EstimatorSettings.DefaultRlooSamples)
{
    public const int DefaultRaoSamples = 10, DefaultRlooSamples = 4;

    /// <summary>Upper bounds: each draw costs a softmax (Gumbel-Rao) or a decoder pass (RLOO) per example.</summary>
    public const int MaxRaoSamples = 1000, MaxRlooSamples = 100;

    public static readonly EstimatorSettings Defaults = new();
}
