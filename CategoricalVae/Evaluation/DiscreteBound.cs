using CategoricalVae.Model;
using static TorchSharp.torch;

namespace CategoricalVae.Evaluation;

/// <summary>
/// Bounds on log p(x) of the discrete model: prior p(z) uniform over K categories for each of L latents,
/// q(z|x) = softmax of the encoder's logits per latent, p(x|z) Bernoulli with the decoder's pixel logits.
/// z is drawn exactly (Gumbel-max: argmax of logits + Gumbel noise), never relaxed.
/// </summary>
public static class DiscreteBound
{
    /// <summary>Per-example estimates for x [B, 784] (targets in [0, 1]) from m samples each:
    /// ELBO = mean_i log p(x|z_i) − KL(q(z|x) ‖ p(z)) with the KL analytic, and the importance-weighted bound
    /// log (1/m) Σ_i p(x|z_i) p(z_i) / q(z_i|x), and the analytic KL. All [B], float64. Samples are decoded
    /// <paramref name="rowsPerChunk"/> at a time so memory stays bounded for any m; <paramref name="stopRequested"/> is
    /// asked between chunks and ends the estimate with <see cref="OperationCanceledException"/>.</summary>
    public static (Tensor Elbo, Tensor ImportanceWeighted, Tensor Kl) Estimate(CategoricalVaeModel model, Tensor x, int samples, Generator generator,
        int rowsPerChunk = 5000, Func<bool>? stopRequested = null)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int latents = model.LatentDim, categories = model.Categories;
        long batch = x.shape[0];
        var logits = model.Encode(x);                          // [B, L, K]
        var logQ = logits.log_softmax(-1);
        var kl = (logQ.exp() * (logQ + Math.Log(categories))).sum([1, 2]).to(ScalarType.Float64);
        double logPrior = -latents * Math.Log(categories);

        var logWeights = empty([batch, samples], ScalarType.Float64, x.device);
        var reconstructionSum = zeros([batch], ScalarType.Float64, x.device);
        int perChunk = Math.Max(1, (int)Math.Min(samples, rowsPerChunk / Math.Max(1, batch)));
        for (int start = 0; start < samples; start += perChunk)
        {
            if (stopRequested?.Invoke() == true)
                throw new OperationCanceledException("stopped during a batch");
            using var chunk = NewDisposeScope();
            int s = Math.Min(perChunk, samples - start);
            var expanded = logits.unsqueeze(1).expand(batch, s, latents, categories);
            var u = rand([batch, s, latents, categories], ScalarType.Float32, x.device, generator: generator);
            var gumbel = -(-(u + 1e-20).log() + 1e-20).log();
            var index = (expanded + gumbel).argmax(-1, keepdim: true);   // [B, s, L, 1]
            var logQz = logQ.unsqueeze(1).expand(batch, s, latents, categories).gather(-1, index).sum([2, 3]);
            var z = zeros([batch, s, latents, categories], ScalarType.Float32, x.device).scatter_(-1, index, ones_like(index, ScalarType.Float32));
            var pixelLogits = model.DecodeLogits(z.view(batch * s, latents * categories)).view(batch, s, -1);
            var logPx = LogBernoulli(pixelLogits, x.unsqueeze(1));     // [B, s]
            reconstructionSum.add_(logPx.sum(1L).to(ScalarType.Float64));
            logWeights.narrow(1, start, s).copy_((logPx + (logPrior - logQz)).to(ScalarType.Float64));
        }
        var elbo = reconstructionSum / samples - kl;
        var iw = logWeights.logsumexp(1) - Math.Log(samples);
        return (elbo.MoveToOuterDisposeScope(), iw.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }

    /// <summary>Σ over pixels of x·log σ(a) + (1−x)·log(1−σ(a)) = x·a − softplus(a), finite for any a.
    /// For grey-level x this is minus the source's BCE, not a normalised likelihood.</summary>
    public static Tensor LogBernoulli(Tensor pixelLogits, Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x * pixelLogits - nn.functional.softplus(pixelLogits)).sum(-1).MoveToOuterDisposeScope();
    }
}
