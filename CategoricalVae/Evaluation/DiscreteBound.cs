using CategoricalVae.Model;
using CategoricalVae.Model.Fused;
using TorchSharp;
using static CategoricalVae.Native.TensorMemory;
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
        return FusedVae.Supports(model) && x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32
            ? EstimateFused(model, x, samples, generator, rowsPerChunk, stopRequested)
            : EstimateGraph(model, x, samples, generator, rowsPerChunk, stopRequested);
    }

    /// <summary><see cref="Estimate"/> as tensor operations, for any device (the reference the CPU loops are tested against).</summary>
    internal static (Tensor Elbo, Tensor ImportanceWeighted, Tensor Kl) EstimateGraph(CategoricalVaeModel model, Tensor x, int samples, Generator generator,
        int rowsPerChunk = 5000, Func<bool>? stopRequested = null)
    {
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

    /// <summary>The same estimates on the CPU with the sampling and the likelihood as vectorised loops
    /// (<see cref="DiscreteSampleKernel"/>, on both threads through <see cref="DecoderChunkPasses"/>) and the decoder's
    /// products into buffers allocated once per call: the graph spends about half its time on those element-wise
    /// operations over tensors of millions of entries. The noise is the graph's (same generator, same draws); the
    /// Gumbel values agree to float rounding.</summary>
    static unsafe (Tensor Elbo, Tensor ImportanceWeighted, Tensor Kl) EstimateFused(CategoricalVaeModel model, Tensor x, int samples, Generator generator,
        int rowsPerChunk, Func<bool>? stopRequested)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int latents = model.LatentDim, categories = model.Categories, width = latents * categories;
        int batch = checked((int)x.shape[0]);
        var images = x.view(batch, -1).contiguous();
        int pixels = (int)images.shape[1];
        var logits = model.Encode(x).contiguous();             // [B, L, K]
        var logQ = logits.log_softmax(-1).contiguous();
        var kl = (logQ.exp() * (logQ + Math.Log(categories))).sum([1, 2]).to(ScalarType.Float64);
        double logPrior = -latents * Math.Log(categories);

        int perChunk = Math.Max(1, (int)Math.Min(samples, rowsPerChunk / Math.Max(1, batch)));
        long maxRows = (long)batch * perChunk;
        var code = empty([maxRows, width]);
        var logQz = empty([maxRows]);
        var logPx = empty([maxRows]);
        var layers = model.Layers;
        var h4 = empty([maxRows, layers[3].weight!.shape[0]]);
        var h5 = empty([maxRows, layers[4].weight!.shape[0]]);
        var pixelLogits = empty([maxRows, pixels]);
        var w4 = layers[3].weight!.t();
        var w5 = layers[4].weight!.t();
        var w6 = layers[5].weight!.t();
        float* b4 = Pointer(layers[3].bias!), b5 = Pointer(layers[4].bias!), b6 = Pointer(layers[5].bias!);
        float* image = Pointer(images), a = Pointer(logits), lq = Pointer(logQ);

        var logWeights = new double[(long)batch * samples];
        var reconstructionSum = new double[batch];
        var passes = new DecoderChunkPasses(Math.Max(1, get_num_threads()));
        for (int start = 0; start < samples; start += perChunk)
        {
            if (stopRequested?.Invoke() == true)
                throw new OperationCanceledException("stopped during a batch");
            using var chunk = NewDisposeScope();
            int s = Math.Min(perChunk, samples - start);
            int rows = batch * s;
            var u = rand([batch, s, latents, categories], ScalarType.Float32, x.device, generator: generator);
            passes.Samples(a, lq, Pointer(u), Pointer(code), Pointer(logQz), batch, s, latents, categories);
            var z = code.narrow(0, 0, rows);
            var hidden4 = h4.narrow(0, 0, rows).addmm_(z, w4, beta: 0, alpha: 1);
            passes.BiasActivation(Pointer(h4), b4, rows, (int)h4.shape[1]);
            var hidden5 = h5.narrow(0, 0, rows).addmm_(hidden4, w5, beta: 0, alpha: 1);
            passes.BiasActivation(Pointer(h5), b5, rows, (int)h5.shape[1]);
            pixelLogits.narrow(0, 0, rows).addmm_(hidden5, w6, beta: 0, alpha: 1);
            float* pl = Pointer(pixelLogits), px = Pointer(logPx), qz = Pointer(logQz);
            passes.LogBernoulli(pl, b6, image, px, batch, s, pixels);
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < s; j++)
                {
                    long r = (long)b * s + j;
                    reconstructionSum[b] += px[r];
                    logWeights[(long)b * samples + start + j] = px[r] + (logPrior - qz[r]);
                }
        }
        var elbo = tensor(reconstructionSum) / samples - kl;
        var iw = tensor(logWeights).view(batch, samples).logsumexp(1) - Math.Log(samples);
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
