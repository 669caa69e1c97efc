using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// The Gumbel-Softmax "activation layer": turns unnormalised logits [*, K] into a relaxed one-hot sample.
/// Noise comes only from <see cref="Generator"/>, so samples are reproducible from a seed.
/// Forward returns the soft sample, or with <see cref="Hard"/> the straight-through one-hot whose
/// gradient is the soft sample's.
/// </summary>
public sealed class GumbelSoftmax : nn.Module<Tensor, Tensor>
{
    const double Eps = 1e-20;

    public GumbelSoftmax(torch.Generator generator, double temperature = 1.0, bool hard = false)
        : base(nameof(GumbelSoftmax))
    {
        Generator = generator;
        Temperature = temperature;
        Hard = hard;
        RegisterComponents();
    }

    public torch.Generator Generator { get; set; }

    public double Temperature
    {
        get => _temperature;
        set
        {
            if (!(value > 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "temperature must be a positive finite number");
            _temperature = value;
        }
    }
    double _temperature;

    public bool Hard { get; set; }

    public override Tensor forward(Tensor logits)
    {
        var sample = Sample(logits);
        return Hard ? sample.StraightThrough : sample.Soft;
    }

    /// <summary>Gumbel(0,1) noise, -log(-log(U + eps) + eps) with U ~ Uniform[0,1) from the generator.</summary>
    public Tensor Noise(long[] shape, Device device)
    {
        using var scope = NewDisposeScope();
        var u = rand(shape, ScalarType.Float32, device, generator: Generator);
        return (-(-(u + Eps).log() + Eps).log()).MoveToOuterDisposeScope();
    }

    /// <summary>Both members of the sample pair: the soft relaxation softmax((logits + g)/τ), the exact
    /// one-hot of its argmax, and the straight-through combination (hard − soft).detach() + soft.</summary>
    public GumbelSample Sample(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var soft = ((logits + Noise(logits.shape, logits.device)) / Temperature).softmax(-1);
        var hard = OneHotOfArgmax(soft);
        var straightThrough = StraightThrough(hard, soft);
        return new GumbelSample(soft.MoveToOuterDisposeScope(), hard.MoveToOuterDisposeScope(), straightThrough.MoveToOuterDisposeScope());
    }

    /// <summary>An exact sample of softmax(logits) as a one-hot (the Gumbel-max trick), drawing the same noise as
    /// <see cref="Sample"/>.</summary>
    public Tensor OneHotSample(Tensor logits)
    {
        using var scope = NewDisposeScope();
        return OneHotOfArgmax(logits + Noise(logits.shape, logits.device)).MoveToOuterDisposeScope();
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
