namespace CategoricalVae.Model;

/// <summary>
/// How a model uses each latent variable over a data set (the test set, each epoch):
/// <list type="bullet">
/// <item>the aggregate posterior, mean of q(z_i = k | x) over the images, and its perplexity exp(H): K when all
/// categories are used evenly, 1 when the latent has collapsed onto one category (<see cref="DeadLatents"/>);</item>
/// <item>the mean KL(q(z_i | x) ‖ uniform), what the latent costs and carries;</item>
/// <item>the activity A_i = Σ_k Var_x q(z_i = k | x), the categorical form of Burda et al.'s active units: a latent
/// whose posterior does not move with x carries no information (A_i ≈ 0) even when its aggregate is uniform.</item>
/// </list>
/// </summary>
public sealed class LatentUsage
{
    /// <summary>A latent whose aggregate perplexity is below this is counted as dead (collapsed onto one category).</summary>
    public const double DeadBelow = 1.5;

    /// <summary>A latent whose activity exceeds this is counted as active (Burda et al.'s threshold for active units).</summary>
    public const double ActiveAbove = 0.01;

    public LatentUsage(double[,] meanPosterior, double[] kl, double[] activity)
    {
        MeanPosterior = meanPosterior;
        int latents = meanPosterior.GetLength(0), k = meanPosterior.GetLength(1);
        if (kl.Length != latents || activity.Length != latents)
            throw new ArgumentException("one KL and one activity per latent");
        Kl = kl;
        Activity = activity;
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

    /// <summary>[latent, category] mean of q(z|x).</summary>
    public double[,] MeanPosterior { get; }

    /// <summary>Per latent: perplexity of the aggregate posterior.</summary>
    public double[] Perplexities { get; }

    /// <summary>Per latent: mean KL(q(z_i|x) ‖ uniform) in nats.</summary>
    public double[] Kl { get; }

    /// <summary>Per latent: Σ_k Var_x q(z_i = k | x).</summary>
    public double[] Activity { get; }

    public int LatentCount => Perplexities.Length;

    public double MeanPerplexity => Perplexities.Average();

    public int DeadLatents => Perplexities.Count(p => p < DeadBelow);

    public int ActiveLatents => Activity.Count(a => a > ActiveAbove);
}
