using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// The source's loss: BCE summed over pixels and batch, divided by the batch size, plus
/// KL(q(y|x) ‖ uniform) = Σ q·log(q·K + 1e-20) over all latent×category entries, averaged over the batch.
/// </summary>
public static class VaeLoss
{
    const double Eps = 1e-20;

    public static VaeLossTerms Compute(Tensor reconstruction, Tensor target, Tensor posterior, int categories)
    {
        using var scope = NewDisposeScope();
        long batch = target.shape[0];
        var bce = nn.functional.binary_cross_entropy(reconstruction, target.view(-1, CategoricalVaeModel.PixelCount),
            reduction: nn.Reduction.Sum) / batch;
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
