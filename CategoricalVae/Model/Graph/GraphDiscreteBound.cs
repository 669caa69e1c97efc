using static TorchSharp.torch;

namespace CategoricalVae.Model.Graph;

/// <summary>The discrete bounds (<see cref="IDiscreteBound"/>) as tensor operations, for any device: the reference the
/// fused CPU loops are tested against.</summary>
internal sealed class GraphDiscreteBound(CategoricalVaeModel model, string description) : IDiscreteBound
{
    readonly CategoricalVaeModel _model = model;

    public string Description => description;

    public DiscreteBounds Estimate(Tensor x, int samples, Generator noise, int rowsPerChunk = 5000, Func<bool>? stopRequested = null)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int latents = _model.LatentDim, categories = _model.Categories;
        long batch = x.shape[0];
        var logits = _model.Encode(x);                          // [B, L, K]
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
            var u = rand([batch, s, latents, categories], ScalarType.Float32, x.device, generator: noise);
            var gumbel = -(-(u + 1e-20).log() + 1e-20).log();
            var index = (expanded + gumbel).argmax(-1, keepdim: true);   // [B, s, L, 1]
            var logQz = logQ.unsqueeze(1).expand(batch, s, latents, categories).gather(-1, index).sum([2, 3]);
            var z = zeros([batch, s, latents, categories], ScalarType.Float32, x.device).scatter_(-1, index, ones_like(index, ScalarType.Float32));
            var pixelLogits = _model.DecodeLogits(z.view(batch * s, latents * categories)).view(batch, s, -1);
            var logPx = LogBernoulli(pixelLogits, x.unsqueeze(1));     // [B, s]
            reconstructionSum.add_(logPx.sum(1L).to(ScalarType.Float64));
            logWeights.narrow(1, start, s).copy_((logPx + (logPrior - logQz)).to(ScalarType.Float64));
        }
        var elbo = reconstructionSum / samples - kl;
        var iw = logWeights.logsumexp(1) - Math.Log(samples);
        return new DiscreteBounds(elbo.MoveToOuterDisposeScope(), iw.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }

    /// <summary>Σ over pixels of x·log σ(a) + (1−x)·log(1−σ(a)) = x·a − softplus(a), finite for any a.
    /// For grey-level x this is minus the source's BCE, not a normalised likelihood.</summary>
    public static Tensor LogBernoulli(Tensor pixelLogits, Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x * pixelLogits - nn.functional.softplus(pixelLogits)).sum(-1).MoveToOuterDisposeScope();
    }
}
