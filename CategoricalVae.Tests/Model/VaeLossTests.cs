using CategoricalVae.Model;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model;

[Trait("Category", Category.Unit)]
public class VaeLossTests
{
    [Fact]
    public void Kl_is_zero_for_uniform_q_and_log_K_per_latent_for_one_hot_q()
    {
        using var scope = NewDisposeScope();
        const int latent = 30, k = 10;
        var uniform = full(new long[] { 4, latent * k }, 1.0f / k);
        Assert.True(VaeLoss.KlToUniform(uniform, k).abs().max().item<float>() < 1e-4f);

        var oneHot = zeros(4, latent, k);
        oneHot[TensorIndex.Colon, TensorIndex.Colon, 3] = tensor(1.0f);
        var kl = VaeLoss.KlToUniform(oneHot.view(4, -1), k);
        Assert.Equal(latent * Math.Log(k), kl[0].item<float>(), 3);
    }

    [Fact]
    public void Bce_matches_a_hand_computation_and_total_is_bce_plus_kl()
    {
        using var scope = NewDisposeScope();
        var x = rand(new long[] { 3, 784 }, generator: new Generator(1));
        var recon = rand(new long[] { 3, 784 }, generator: new Generator(2)) * 0.98 + 0.01;
        var q = rand(new long[] { 3, 20 }, generator: new Generator(3)).view(3, 2, 10).softmax(-1).view(3, 20);

        float[] xs = x.data<float>().ToArray(), rs = recon.data<float>().ToArray();
        double bce = 0;
        for (int i = 0; i < xs.Length; i++)
            bce -= xs[i] * Math.Log(rs[i]) + (1 - xs[i]) * Math.Log(1 - rs[i]);
        bce /= 3;
        float[] qs = q.data<float>().ToArray();
        double kl = qs.Sum(v => v * Math.Log(v * 10 + 1e-20)) / 3;

        using var loss = VaeLoss.Compute(recon, x, q, 10);
        Assert.Equal(bce, loss.Bce.item<float>(), bce * 1e-5);
        Assert.Equal(kl, loss.Kl.item<float>(), 1e-4);
        Assert.Equal(loss.Bce.item<float>() + loss.Kl.item<float>(), loss.Total.item<float>(), 1e-3);
    }
}
