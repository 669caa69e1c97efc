using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// The Gumbel-Softmax "activation", as functions of the logits [*, K], the temperature τ and the generator the noise
/// comes from (as the seeds' gumbel_softmax(logits, temperature, hard) is): a relaxed one-hot sample, its exact
/// one-hot, and the straight-through combination whose gradient is the relaxed sample's. Noise comes only from the
/// generator given, so samples are reproducible from a seed.
/// </summary>
public static class GumbelSoftmax
{
    const double Eps = 1e-20;

    /// <summary>Gumbel(0,1) noise, -log(-log(U + eps) + eps) with U ~ Uniform[0,1) from <paramref name="generator"/>.</summary>
    public static Tensor Noise(long[] shape, Device device, Generator generator)
    {
        using var scope = NewDisposeScope();
        var u = rand(shape, ScalarType.Float32, device, generator: generator);
        return (-(-(u + Eps).log() + Eps).log()).MoveToOuterDisposeScope();
    }

    /// <summary>Both members of the sample pair: the soft relaxation softmax((logits + g)/τ), the exact one-hot of its
    /// argmax, and the straight-through combination (hard − soft).detach() + soft.</summary>
    public static GumbelSample Sample(Tensor logits, double temperature, Generator generator)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be a positive finite number");
        using var scope = NewDisposeScope();
        var soft = ((logits + Noise(logits.shape, logits.device, generator)) / temperature).softmax(-1);
        var hard = OneHotOfArgmax(soft);
        var straightThrough = StraightThrough(hard, soft);
        return new GumbelSample(soft.MoveToOuterDisposeScope(), hard.MoveToOuterDisposeScope(), straightThrough.MoveToOuterDisposeScope());
    }

    /// <summary>An exact sample of softmax(logits) as a one-hot (the Gumbel-max trick), drawing the same noise as
    /// <see cref="Sample"/>.</summary>
    public static Tensor OneHotSample(Tensor logits, Generator generator)
    {
        using var scope = NewDisposeScope();
        return OneHotOfArgmax(logits + Noise(logits.shape, logits.device, generator)).MoveToOuterDisposeScope();
    }

    /// <summary>The value of <paramref name="forward"/> with the gradient of <paramref name="backward"/>:
    /// (forward − backward).detach() + backward.</summary>
    public static Tensor StraightThrough(Tensor forward, Tensor backward)
    {
        using var scope = NewDisposeScope();
        return ((forward - backward).detach() + backward).MoveToOuterDisposeScope();
    }

    /// <summary>One-hot [*, K] of the argmax over the last dimension.</summary>
    public static Tensor OneHotOfArgmax(Tensor values)
    {
        using var scope = NewDisposeScope();
        var index = values.argmax(-1, keepdim: true);
        return zeros_like(values).scatter_(-1, index, ones_like(index, values.dtype)).MoveToOuterDisposeScope();
    }
}
