using CategoricalVae.Model.Kernels;
using TorchSharp;
using static CategoricalVae.Native.TensorMemory;
using static TorchSharp.torch;

namespace CategoricalVae.Model.Fused;

/// <summary>The discrete bounds (<see cref="IDiscreteBound"/>) on the CPU with the sampling and the likelihood as
/// vectorised loops (<see cref="DiscreteSampleKernel"/>, on both threads through <see cref="DecoderChunkPasses"/>) and the
/// decoder's products into buffers allocated once per call: the graph spends about half its time on those element-wise
/// operations over tensors of millions of entries. The noise is the graph's (same generator, same draws); the Gumbel
/// values agree to float rounding.</summary>
internal sealed class FusedDiscreteBound(CategoricalVaeModel model) : IDiscreteBound
{
    readonly CategoricalVaeModel _model = model;

    public string Description => "the fused CPU pass";

    public unsafe DiscreteBounds Estimate(Tensor x, int samples, Generator noise, int rowsPerChunk = 5000, Func<bool>? stopRequested = null)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int latents = _model.LatentDim, categories = _model.Categories, width = latents * categories;
        int batch = checked((int)x.shape[0]);
        var images = x.view(batch, -1).contiguous();
        int pixels = (int)images.shape[1];
        var logits = _model.Encode(x).contiguous();             // [B, L, K]
        var logQ = logits.log_softmax(-1).contiguous();
        var kl = (logQ.exp() * (logQ + Math.Log(categories))).sum([1, 2]).to(ScalarType.Float64);
        double logPrior = -latents * Math.Log(categories);

        int perChunk = Math.Max(1, (int)Math.Min(samples, rowsPerChunk / Math.Max(1, batch)));
        long maxRows = (long)batch * perChunk;
        var code = empty([maxRows, width]);
        var logQz = empty([maxRows]);
        var logPx = empty([maxRows]);
        var layers = _model.Layers;
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
            var u = rand([batch, s, latents, categories], ScalarType.Float32, x.device, generator: noise);
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
        return new DiscreteBounds(elbo.MoveToOuterDisposeScope(), iw.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }
}
