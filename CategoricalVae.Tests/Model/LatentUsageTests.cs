using CategoricalVae.Model;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model;

[Trait("Category", Category.Unit)]
public class LatentUsageTests
{
    [Fact]
    public void Perplexity_is_K_for_even_usage_and_1_for_collapse()
    {
        using var scope = NewDisposeScope();
        const int latents = 30, k = 10, n = 50;
        var uniform = full(new long[] { latents * k }, n / (float)k);
        var even = LatentUsage.FromSum(uniform, n, latents, k);
        Assert.All(even.Perplexities, p => Assert.Equal(10.0, p, 4));
        Assert.Equal(0, even.DeadLatents);

        // Every example puts latent l on category l % K: each latent collapsed on one category.
        var collapsed = zeros(latents, k);
        for (int l = 0; l < latents; l++)
            collapsed[l, l % k] = tensor((float)n);
        var usage = LatentUsage.FromSum(collapsed.view(-1), n, latents, k);
        Assert.All(usage.Perplexities, p => Assert.Equal(1.0, p, 6));
        Assert.Equal(latents, usage.DeadLatents);
        Assert.Equal(1.0, usage.MeanPerplexity, 6);
    }
}
