using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>Scalar loss tensors of one batch: Total = Bce + Kl, each a mean per example.</summary>
public sealed record VaeLossTerms(Tensor Total, Tensor Bce, Tensor Kl) : IDisposable
{
    public void Dispose()
    {
        Total.Dispose();
        Bce.Dispose();
        Kl.Dispose();
    }
}
