using CategoricalVae.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model;

[Trait("Category", Category.Unit)]
public class GumbelSoftmaxTests
{
    /// <summary>The sample of <paramref name="logits"/> at τ with noise from a generator seeded <paramref name="seed"/>:
    /// the straight-through one-hot with <paramref name="hard"/>, else the relaxed sample (the seeds' gumbel_softmax).</summary>
    static Tensor Sample(Tensor logits, ulong seed, double tau = 1.0, bool hard = false)
    {
        using var sample = Pair(logits, seed, tau);
        return (hard ? sample.StraightThrough : sample.Soft).clone();
    }

    static GumbelSample Pair(Tensor logits, ulong seed, double tau = 1.0) => GumbelSoftmax.Sample(logits, tau, new Generator(seed));

    static Tensor Logits() => tensor(new float[] { 2.0f, 0.5f, -1.0f, 0.0f, 1.0f, 3.0f, 0.1f, 0.2f, 0.3f, 0.4f }).reshape(1, 10).repeat(64, 1);

    [Fact]
    public void Soft_rows_lie_on_the_simplex()
    {
        using var scope = NewDisposeScope();
        var y = Sample(Logits().view(64, 1, 10).repeat(1, 30, 1), 1);
        Assert.Equal(new long[] { 64, 30, 10 }, y.shape);
        Assert.True(y.min().item<float>() >= 0);
        Assert.True((y.sum(-1) - 1).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Hard_rows_are_exactly_one_hot_at_the_soft_argmax()
    {
        using var scope = NewDisposeScope();
        using var sample = Pair(Logits(), 2);
        Assert.True(sample.Hard.eq(0).logical_or(sample.Hard.eq(1)).all().item<bool>());
        Assert.True(sample.Hard.sum(-1).eq(1).all().item<bool>());
        Assert.True(sample.Hard.argmax(-1).eq(sample.Soft.argmax(-1)).all().item<bool>());
        // Straight-through forward value is the one-hot itself.
        Assert.True((sample.StraightThrough - sample.Hard).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void Straight_through_gradient_equals_the_soft_samples_gradient()
    {
        using var scope = NewDisposeScope();
        var weights = randn(64, 10, generator: new Generator(9));
        var logitsHard = Logits().requires_grad_(true);
        var logitsSoft = Logits().requires_grad_(true);
        (Sample(logitsHard, 3, hard: true) * weights).sum().backward();
        (Sample(logitsSoft, 3) * weights).sum().backward();
        Assert.True(logitsSoft.grad!.abs().sum().item<float>() > 0);
        Assert.True((logitsHard.grad! - logitsSoft.grad!).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void Soft_samples_approach_one_hot_as_temperature_falls()
    {
        using var scope = NewDisposeScope();
        var logits = Logits().repeat(20, 1);
        double Gap(double tau)
        {
            using var s = Pair(logits, 4, tau);
            return (s.Soft - s.Hard).abs().sum(-1).mean().item<float>();
        }
        double[] gaps = [Gap(5.0), Gap(0.5), Gap(0.05), Gap(0.001)];
        for (int i = 1; i < gaps.Length; i++)
            Assert.True(gaps[i] < gaps[i - 1], string.Join(" > ", gaps));
        Assert.True(gaps[^1] < 0.002, $"gap at τ=0.001 is {gaps[^1]}");
    }

    [Fact]
    public void Argmax_frequencies_follow_softmax_of_the_logits()
    {
        using var scope = NewDisposeScope();
        const int draws = 20000;
        var logits = tensor(new float[] { 1.0f, 0.0f, -1.0f, 2.0f, 0.5f }).reshape(1, 5).repeat(draws, 1);
        using var sample = Pair(logits, 5);
        float[] counts = sample.Hard.sum(new long[] { 0 }).data<float>().ToArray();
        float[] p = logits[0].softmax(-1).data<float>().ToArray();
        double chi2 = 0;
        for (int k = 0; k < 5; k++)
            chi2 += Math.Pow(counts[k] - draws * p[k], 2) / (draws * p[k]);
        // 4 degrees of freedom: P(χ² > 18.47) = 0.001.
        Assert.True(chi2 < 18.47, $"chi-square {chi2:F2}, counts {string.Join(",", counts)}");
    }

    [Fact]
    public void Same_seed_gives_the_same_samples_and_another_seed_does_not()
    {
        using var scope = NewDisposeScope();
        var a = Sample(Logits(), 7);
        var b = Sample(Logits(), 7);
        var c = Sample(Logits(), 8);
        Assert.Equal(0f, (a - b).abs().max().item<float>());
        Assert.True((a - c).abs().max().item<float>() > 0.01f);
    }

    [Fact]
    public void Non_positive_temperature_is_refused()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentOutOfRangeException>(() => Pair(Logits(), 1, 0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pair(Logits(), 1, double.NaN));
    }
}
