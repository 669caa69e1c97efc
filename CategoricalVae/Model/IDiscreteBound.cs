using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// Bounds on log p(x) of the discrete model: prior p(z) uniform over K categories for each of L latents,
/// q(z|x) = softmax of the encoder's logits per latent, p(x|z) Bernoulli with the decoder's pixel logits, and z drawn
/// exactly (Gumbel-max: argmax of logits + Gumbel noise), never relaxed. Computed by the fused CPU loops or by the
/// autograd graph's tensor operations; <see cref="VaePasses.Bounds"/> decides which.
/// </summary>
public interface IDiscreteBound
{
    /// <summary>What computes the bounds: "the fused CPU pass" or "the autograd graph (…)".</summary>
    string Description { get; }

    /// <summary>Per-example estimates for x [B, 784] (targets in [0, 1]) from <paramref name="samples"/> samples each:
    /// ELBO = mean_i log p(x|z_i) − KL(q(z|x) ‖ p(z)) with the KL analytic, the importance-weighted bound
    /// log (1/m) Σ_i p(x|z_i) p(z_i) / q(z_i|x), and the KL. Samples are decoded about <paramref name="rowsPerChunk"/>
    /// at a time so memory stays bounded for any m; <paramref name="stopRequested"/> is asked between chunks and ends
    /// the estimate with <see cref="OperationCanceledException"/>.</summary>
    DiscreteBounds Estimate(Tensor x, int samples, Generator noise, int rowsPerChunk = 5000, Func<bool>? stopRequested = null);
}
