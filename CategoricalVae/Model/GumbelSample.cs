using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>The soft/hard pair of one Gumbel-Softmax draw (same noise for all three).</summary>
public sealed record GumbelSample(Tensor Soft, Tensor Hard, Tensor StraightThrough) : IDisposable
{
    public void Dispose()
    {
        Soft.Dispose();
        Hard.Dispose();
        StraightThrough.Dispose();
    }
}
