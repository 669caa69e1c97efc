using CategoricalVae.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CategoricalVae.Evaluation;

/// <summary>
/// The exact gradient, with respect to the encoder's parameters, of what every estimator estimates the gradient of:
/// the batch's discrete training loss L = (1/B)·Σ_b [Σ_z q(z|x_b)·ℓ(x_b, z) + KL(q(·|x_b) ‖ uniform)], with ℓ the
/// source's BCE of the decoder's float32 output for the one-hot code z (each log clamped at −100, as libtorch's BCE).
/// It enumerates every code, so it serves latents of at most <see cref="MaxCodes"/> codes. With q(z) = Π_l q_l(z_l),
/// ∂/∂a_lk Σ_z q(z)·ℓ(z) = Σ_{z: z_l = k} q(z)·ℓ(z) − q_lk·Σ_z q(z)·ℓ(z); these sums are taken in float64, and the
/// resulting gradient at the logits is passed back through the encoder with its KL term by autograd.
/// </summary>
public static class ExactGradient
{
    /// <summary>The most codes K^L enumerated: the decoder's outputs for them all are then 205 MB of float32.</summary>
    public const long MaxCodes = 65_536;

    /// <summary>K^L, or long.MaxValue when it overflows.</summary>
    public static long CodeCount(int latents, int categories)
    {
        long count = 1;
        for (int l = 0; l < latents; l++)
        {
            if (count > long.MaxValue / categories)
                return long.MaxValue;
            count *= categories;
        }
        return count;
    }

    /// <summary>The exact gradient over <paramref name="x"/> [B, 784] with respect to <paramref name="encoder"/>,
    /// flattened and concatenated in their order, float64. <paramref name="stopRequested"/> is asked between chunks.</summary>
    public static Tensor Compute(CategoricalVaeModel model, Tensor x, IReadOnlyList<Parameter> encoder, Func<bool>? stopRequested = null, int codesPerChunk = 4096)
    {
        int latents = model.LatentDim, k = model.Categories;
        long codes = CodeCount(latents, k);
        if (codes > MaxCodes)
            throw new ArgumentOutOfRangeException(nameof(model), codes, $"more than {MaxCodes} codes");
        using var scope = NewDisposeScope();
        var images = x.view(-1, CategoricalVaeModel.PixelCount).to(float64);
        long batch = images.shape[0];
        var oneHots = AllCodes(latents, k, x.device);                                    // [N, L·K] float32
        var loss = empty([batch, codes], float64, x.device);                              // ℓ(x_b, z_n)
        using (no_grad())
        {
            for (long start = 0; start < codes; start += codesPerChunk)
            {
                if (stopRequested?.Invoke() == true)
                    throw new OperationCanceledException("stopped during the exact gradient");
                using var chunk = NewDisposeScope();
                long n = Math.Min(codesPerChunk, codes - start);
                var p = model.Decode(oneHots.narrow(0, start, n));                        // float32, as training sees it
                var logP = p.log().clamp_min(-100).to(float64);
                var logNotP = (1 - p).log().clamp_min(-100).to(float64);
                // ℓ = −Σ_j x_j·log p_j + (1 − x_j)·log(1 − p_j), linear in x: two products over the pixels.
                var part = -(images.matmul(logP.t()) + (1 - images).matmul(logNotP.t()));
                loss.narrow(1, start, n).copy_(part);
            }
        }
        var logits = model.Encode(x);                                                     // [B, L, K], with the graph
        var logQ = logits.detach().to(float64).log_softmax(-1).view(batch, -1);
        var codes64 = oneHots.to(float64);
        var weights = logQ.matmul(codes64.t()).exp();                                     // q(z_n | x_b)
        var weighted = weights * loss;
        var expected = weighted.sum(1, keepdim: true);                                    // E_q[ℓ]
        var logitGradient = weighted.matmul(codes64) - logQ.exp() * expected;             // [B, L·K]
        var kl = VaeLoss.KlToUniform(logits.softmax(-1).view(batch, -1), k).mean();
        var surrogate = (logitGradient.to(logits.dtype).view_as(logits) * logits).sum() / batch + kl;
        var gradients = autograd.grad([surrogate], encoder.ToArray());
        return cat(gradients.Select(g => g.flatten().to(float64)).ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>Every one-hot code of <paramref name="latents"/> variables of <paramref name="k"/> categories, [K^L, L·K],
    /// the last latent changing fastest.</summary>
    static Tensor AllCodes(int latents, int k, Device device)
    {
        using var scope = NewDisposeScope();
        long n = CodeCount(latents, k);
        var index = arange(n, int64, device);
        var parts = new List<Tensor>();
        for (int l = latents - 1; l >= 0; l--)
        {
            parts.Add(nn.functional.one_hot(index.remainder(k), k));
            index = index.div(k, rounding_mode: RoundingMode.floor);
        }
        parts.Reverse();
        return cat(parts.ToArray(), 1).to(float32).MoveToOuterDisposeScope();
    }
}
