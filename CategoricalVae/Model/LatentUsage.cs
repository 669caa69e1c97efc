using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// How the aggregate posterior uses each latent: the mean of q(y|x) over a data set, per latent variable
/// and category, and its perplexity exp(H) per latent (K = all categories used evenly, 1 = collapsed).
/// </summary>
public sealed class LatentUsage
{
    /// <summary>A latent whose aggregate perplexity is below this is counted as dead.</summary>
    public const double DeadBelow = 1.5;

    public LatentUsage(double[,] meanPosterior)
    {
        MeanPosterior = meanPosterior;
        int latents = meanPosterior.GetLength(0), k = meanPosterior.GetLength(1);
        Perplexities = new double[latents];
        for (int l = 0; l < latents; l++)
        {
            double entropy = 0;
            for (int c = 0; c < k; c++)
            {
                double p = meanPosterior[l, c];
                if (p > 0)
                    entropy -= p * Math.Log(p);
            }
            Perplexities[l] = Math.Exp(entropy);
        }
    }

    /// <summary>From the sum of q over <paramref name="examples"/> examples, shaped [latent×K].</summary>
    public static LatentUsage FromSum(Tensor posteriorSum, long examples, int latents, int categories)
    {
        using var scope = NewDisposeScope();
        double[] flat = (posteriorSum / examples).to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var grid = new double[latents, categories];
        for (int l = 0; l < latents; l++)
            for (int c = 0; c < categories; c++)
                grid[l, c] = flat[l * categories + c];
        return new LatentUsage(grid);
    }

    /// <summary>[latent, category] mean of q(y|x).</summary>
    public double[,] MeanPosterior { get; }

    public double[] Perplexities { get; }

    public double MeanPerplexity => Perplexities.Average();

    public int DeadLatents => Perplexities.Count(p => p < DeadBelow);
}
