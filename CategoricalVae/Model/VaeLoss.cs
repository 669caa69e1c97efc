using System.Runtime.InteropServices;
using CategoricalVae.Model.Estimators;
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

    /// <summary>The training loss of a forward pass under <paramref name="estimator"/>. For the score function the
    /// encoder's gradient comes from its surrogate, added as s − s.detach() so the loss's value is unchanged.</summary>
    public static VaeLossTerms Compute(VaeForward pass, Tensor target, int categories, IGradientEstimator estimator)
    {
        if (!estimator.NeedsSurrogate)
            return Compute(pass.Reconstruction, target, pass.Posterior, categories, pass.SamplesPerExample);
        using var scope = NewDisposeScope();
        var targets = Repeated(target, pass.SamplesPerExample);
        var perExample = ReconstructionLossPerExample(pass.Reconstruction, targets);
        var bce = perExample.sum() / targets.shape[0];
        var kl = KlToUniform(pass.Posterior, categories).mean();
        var surrogate = estimator.Surrogate(pass.Logits, pass.Code, perExample.detach());
        var total = bce + kl + (surrogate - surrogate.detach());
        return new VaeLossTerms(total.MoveToOuterDisposeScope(), bce.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }

    /// <summary>The loss terms when the reconstruction holds <paramref name="samplesPerExample"/> rows per example (in a
    /// row): the reconstruction term is the mean over every row.</summary>
    public static VaeLossTerms Compute(Tensor reconstruction, Tensor target, Tensor posterior, int categories, int samplesPerExample) =>
        // The summed BCE is divided by its rows, B·S; the KL is a mean over the B rows of the posterior.
        samplesPerExample == 1 ? Compute(reconstruction, target, posterior, categories)
            : Compute(reconstruction, Repeated(target, samplesPerExample), posterior, categories);

    /// <summary>Each row of <paramref name="target"/> [B, …] repeated <paramref name="times"/> times in a row, flattened to pixels.</summary>
    static Tensor Repeated(Tensor target, int times)
    {
        var flat = target.view(-1, CategoricalVaeModel.PixelCount);
        return times == 1 ? flat : flat.repeat_interleave(times, 0);
    }

    /// <summary>ℓ = −log p(x|z) per example [B]: the BCE summed over pixels (NaN where the reconstruction is).</summary>
    public static Tensor ReconstructionLossPerExample(Tensor reconstruction, Tensor target)
    {
        using var scope = NewDisposeScope();
        var flat = target.view(-1, CategoricalVaeModel.PixelCount);
        try
        {
            return nn.functional.binary_cross_entropy(reconstruction, flat, reduction: nn.Reduction.None).sum(-1).MoveToOuterDisposeScope();
        }
        catch (ExternalException e) when (e.Message.Contains("between 0 and 1", StringComparison.Ordinal))
        {
            return full([flat.shape[0]], double.NaN, dtype: reconstruction.dtype, device: reconstruction.device).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Per-example KL(q ‖ uniform over K) summed over latents; q is [B, latent×K].</summary>
    public static Tensor KlToUniform(Tensor posterior, int categories)
    {
        using var scope = NewDisposeScope();
        var logRatio = (posterior * categories + Eps).log();
        return (posterior * logRatio).sum(-1).MoveToOuterDisposeScope();
    }
}
