using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// The source's loss: BCE summed over pixels and batch, divided by the batch size, plus
/// KL(q(y|x) ‖ uniform) = Σ q·log(q·K + 1e-20) over all latent×category entries, averaged over the batch.
/// </summary>
public static class VaeLoss
{
    const double Eps = 1e-20;

    /// <summary>The loss terms of a batch. A reconstruction with NaN in it (an exploding run) gives NaN terms for the
    /// callers' guards to report, where libtorch's BCE would throw.</summary>
    public static VaeLossTerms Compute(Tensor reconstruction, Tensor target, Tensor posterior, int categories)
    {
        using var scope = NewDisposeScope();
        long batch = target.shape[0];
        Tensor bce;
        try
        {
            bce = nn.functional.binary_cross_entropy(reconstruction, target.view(-1, CategoricalVaeModel.PixelCount),
                reduction: nn.Reduction.Sum) / batch;
        }
        catch (ExternalException e) when (e.Message.Contains("between 0 and 1", StringComparison.Ordinal))
        {
            bce = full([], double.NaN, dtype: reconstruction.dtype, device: reconstruction.device);
        }
        var kl = KlToUniform(posterior, categories).mean();
        var total = bce + kl;
        return new VaeLossTerms(total.MoveToOuterDisposeScope(), bce.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }

    /// <summary>Per-example KL(q ‖ uniform over K) summed over latents; q is [B, latent×K].</summary>
    public static Tensor KlToUniform(Tensor posterior, int categories)
    {
        using var scope = NewDisposeScope();
        var logRatio = (posterior * categories + Eps).log();
        return (posterior * logRatio).sum(-1).MoveToOuterDisposeScope();
    }
}
