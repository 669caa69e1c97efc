using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>Accumulates q(z|x) over batches (in float64) into a <see cref="LatentUsage"/>.</summary>
public sealed class LatentStatistics : IDisposable
{
    const double Eps = 1e-20; // as in the loss's KL term

    readonly int _latents, _categories;
    readonly Tensor _sum, _sumOfSquares, _klSum;
    long _examples;

    public LatentStatistics(int latents, int categories, Device device)
    {
        (_latents, _categories) = (latents, categories);
        _sum = zeros([latents, categories], ScalarType.Float64, device);
        _sumOfSquares = zeros([latents, categories], ScalarType.Float64, device);
        _klSum = zeros([latents], ScalarType.Float64, device);
    }

    /// <summary>Adds a batch's posterior [B, latents × categories] (rows of softmaxes per latent).</summary>
    public void Add(Tensor posterior)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var q = posterior.detach().to(ScalarType.Float64).view(-1, _latents, _categories);
        _sum.add_(q.sum(0L));
        _sumOfSquares.add_((q * q).sum(0L));
        _klSum.add_((q * (q * _categories + Eps).log()).sum(-1).sum(0L));
        _examples += q.shape[0];
    }

    public LatentUsage Result()
    {
        using var scope = NewDisposeScope();
        var mean = _sum / _examples;
        var variance = (_sumOfSquares / _examples - mean * mean).clamp_min(0);
        double[] flat = mean.cpu().contiguous().data<double>().ToArray();
        var grid = new double[_latents, _categories];
        for (int l = 0; l < _latents; l++)
            for (int c = 0; c < _categories; c++)
                grid[l, c] = flat[l * _categories + c];
        double[] kl = (_klSum / _examples).cpu().data<double>().ToArray();
        double[] activity = variance.sum(-1).cpu().contiguous().data<double>().ToArray();
        return new LatentUsage(grid, kl, activity);
    }

    public void Dispose()
    {
        _sum.Dispose();
        _sumOfSquares.Dispose();
        _klSum.Dispose();
    }
}
