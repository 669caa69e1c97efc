using CategoricalVae.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model;

[Trait("Category", Category.Unit)]
public class LatentUsageTests
{
    const int Latents = 30, K = 10, N = 50;

    static LatentUsage Of(Tensor posteriors)
    {
        using var stats = new LatentStatistics(Latents, K, CPU);
        stats.Add(posteriors.view(-1, Latents * K));
        return stats.Result();
    }

    [Fact]
    public void A_posterior_equal_to_the_prior_for_every_image_is_inactive_with_zero_KL_yet_perplexity_K()
    {
        using var scope = NewDisposeScope();
        var usage = Of(full([N, Latents, K], 1.0f / K));
        Assert.All(usage.Perplexities, p => Assert.Equal(10.0, p, 4));
        Assert.All(usage.Kl, kl => Assert.Equal(0.0, kl, 6));
        Assert.All(usage.Activity, a => Assert.Equal(0.0, a, 9));
        Assert.Equal((0, 0), (usage.ActiveLatents, usage.DeadLatents)); // perplexity alone would call it healthy
    }

    [Fact]
    public void A_latent_collapsed_onto_one_category_is_dead_and_inactive_and_costs_log_K()
    {
        using var scope = NewDisposeScope();
        var q = zeros(N, Latents, K);
        for (int l = 0; l < Latents; l++)
            q[TensorIndex.Colon, l, l % K] = tensor(1f);
        var usage = Of(q);
        Assert.All(usage.Perplexities, p => Assert.Equal(1.0, p, 6));
        Assert.All(usage.Kl, kl => Assert.Equal(Math.Log(K), kl, 5));
        Assert.Equal((0, Latents), (usage.ActiveLatents, usage.DeadLatents));
    }

    [Fact]
    public void A_latent_that_spreads_images_evenly_over_its_categories_is_active_with_the_largest_activity()
    {
        using var scope = NewDisposeScope();
        // Image i puts every latent on category i mod K: one-hot per image, uniform in aggregate.
        var q = zeros(N, Latents, K);
        for (int i = 0; i < N; i++)
            q[i, TensorIndex.Colon, i % K] = tensor(1f);
        var usage = Of(q);
        Assert.All(usage.Activity, a => Assert.Equal(1 - 1.0 / K, a, 9)); // Σ_k p(1 − p) with p = 1/K
        Assert.All(usage.Perplexities, p => Assert.Equal(10.0, p, 6));
        Assert.Equal((Latents, 0), (usage.ActiveLatents, usage.DeadLatents));
    }

    [Fact]
    public void Latents_whose_posterior_ignores_the_image_are_counted_inactive_and_leave_the_dead_count_alone()
    {
        using var scope = NewDisposeScope();
        using var model = new CategoricalVaeModel(Latents, K, reluOnLogits: false);
        var x = rand([200, 784], generator: new Generator(2));
        var fc3 = model.named_parameters().Single(p => p.name == "fc3.weight").parameter;
        using (no_grad())
            fc3.mul_(20); // posteriors that clearly depend on the image
        LatentUsage Measure()
        {
            using var _ = no_grad();
            return Of(model.forward(x, Draws.Relaxed(1)).Posterior);
        }
        var before = Measure();
        Assert.Equal(Latents, before.ActiveLatents);

        int[] ignoring = [0, 5, 7, 29];
        using (no_grad())
            foreach (int l in ignoring)
                fc3.narrow(0, l * K, K).zero_(); // logits = bias: the same q(z_l|x) for every image
        var after = Measure();
        Assert.Equal(Latents - ignoring.Length, after.ActiveLatents);
        foreach (int l in ignoring)
            Assert.True(after.Activity[l] < 1e-12, $"latent {l}: activity {after.Activity[l]}");
        Assert.Equal(before.DeadLatents, after.DeadLatents);
    }
}
