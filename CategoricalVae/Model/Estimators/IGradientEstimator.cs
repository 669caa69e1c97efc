using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>
/// One way of turning the encoder's logits into the code the decoder sees, and of giving the encoder a gradient.
/// Either the code itself carries the gradient (pathwise estimators) or <see cref="Surrogate"/> does (score function).
/// </summary>
public interface IGradientEstimator
{
    GradientEstimator Kind { get; }

    /// <summary>Codes drawn per example: 1, or S for an estimator that needs several (RLOO). The forward pass then draws
    /// from each example's logits S times in a row (rows b·S … b·S + S − 1) and the reconstruction term is their mean.</summary>
    int SamplesPerExample => 1;

    /// <summary>The code [B, latent, K] the decoder sees; drawn with temperature τ and Gumbel noise from <paramref name="noise"/> (estimators that need neither ignore them).</summary>
    Tensor Code(Tensor logits, double temperature, Generator noise);

    /// <summary>The same estimator as the fused CPU pass's latent kernel computes it (the fused CPU pass), or null
    /// when it has no fused form and trains through the autograd graph.</summary>
    FusedForm? Fused => null;

    /// <summary>True when the encoder's gradient comes from <see cref="Surrogate"/> rather than through the code.</summary>
    bool NeedsSurrogate => false;

    /// <summary>A scalar whose gradient with respect to the logits is the encoder's gradient estimate of the mean
    /// reconstruction loss; <paramref name="reconstructionLoss"/> is ℓ = −log p(x|z) per drawn code (one row per code, as
    /// <paramref name="logits"/> and <paramref name="code"/>), detached.</summary>
    Tensor Surrogate(Tensor logits, Tensor code, Tensor reconstructionLoss) =>
        throw new NotSupportedException($"{Kind} carries its gradient through the code");
}
