using CategoricalVae.Training;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Training;

[Trait("Category", Category.Unit)]
public class FusedAdamTests
{
    /// <summary>Sizes of the model's parameters plus awkward ones (tails shorter than a vector, odd lengths).</summary>
    static readonly long[][] Shapes = [[512, 784], [512], [256, 512], [256], [300, 256], [300], [784], [7], [1001], [33, 3]];

    static Parameter[] Parameters(ulong seed)
    {
        var g = new Generator(seed);
        return Shapes.Select(s => new Parameter(randn(s, generator: g) * 0.1f)).ToArray();
    }

    static void SetGradients(Parameter[] ps, int step)
    {
        var g = new Generator(1000 + (ulong)step);
        foreach (var p in ps)
            p.grad = randn(p.shape, generator: g) * (step % 3 == 0 ? 1e-4f : 3f);
    }

    [FactOnX64WithFma]
    public void Twenty_steps_are_bit_identical_to_TorchSharps_Adam()
    {
        using var scope = NewDisposeScope();
        var stock = Parameters(5);
        var fusedParams = Parameters(5);
        using var a = new FusedAdam(stock, 1e-3, fused: false);
        using var b = new FusedAdam(fusedParams, 1e-3);
        for (int step = 0; step < 20; step++)
        {
            SetGradients(stock, step);
            SetGradients(fusedParams, step);
            a.step();
            b.step();
        }
        for (int i = 0; i < stock.Length; i++)
        {
            var differs = stock[i].ne(fusedParams[i]);
            long count = differs.sum().item<long>();
            if (count != 0)
                Assert.Fail($"parameter {i} [{string.Join("×", Shapes[i])}]: {count} elements differ, first at {differs.flatten().nonzero()[0].item<long>()}, max |Δ| {(stock[i] - fusedParams[i]).abs().max().item<float>():E3}");
        }
        // The moments too: a checkpoint written by either optimizer resumes the other's run exactly.
        var sa = a.Inner.state_dict().State.Cast<Adam.State>().ToArray();
        var sb = b.Inner.state_dict().State.Cast<Adam.State>().ToArray();
        for (int i = 0; i < sa.Length; i++)
        {
            Assert.Equal(sa[i].step, sb[i].step);
            Assert.True(sa[i].exp_avg.equal(sb[i].exp_avg).all().item<bool>(), $"exp_avg {i}");
            Assert.True(sa[i].exp_avg_sq.equal(sb[i].exp_avg_sq).all().item<bool>(), $"exp_avg_sq {i}");
        }
    }

    /// <summary>Gradients whose squares, and moments that decay, fall below float32's normal range (1.2e-38) are read as
    /// zero by the fused step: the weights still come out exactly as TorchSharp's Adam makes them.</summary>
    [FactOnX64WithFma]
    public void Subnormal_gradients_and_moments_leave_the_weights_as_TorchSharps_Adam_makes_them()
    {
        using var scope = NewDisposeScope();
        var stock = Parameters(7);
        var fusedParams = Parameters(7);
        using var a = new FusedAdam(stock, 1e-3, fused: false);
        using var b = new FusedAdam(fusedParams, 1e-3);
        for (int step = 0; step < 60; step++)
        {
            foreach (var ps in new[] { stock, fusedParams })
            {
                var g = new Generator(2000 + (ulong)step);
                // Tiny gradients (their squares are subnormal), exact zeros after step 5 (the moments decay), and some
                // elements with ordinary gradients throughout.
                foreach (var p in ps)
                {
                    var noise = randn(p.shape, generator: g);
                    p.grad = step < 5 ? noise * 1e-21f : where(noise > 1.5f, noise, zeros_like(noise));
                }
            }
            a.step();
            b.step();
        }
        var sa = a.Inner.state_dict().State.Cast<Adam.State>().ToArray();
        var sb = b.Inner.state_dict().State.Cast<Adam.State>().ToArray();
        long subnormal = sa.Sum(s => ((s.exp_avg_sq != 0) & (s.exp_avg_sq.abs() < 1.1754944e-38f)).sum().item<long>());
        Assert.True(subnormal > 0, "the stock moments have subnormal entries, so the case is exercised");
        Assert.Equal(0, sb.Sum(s => ((s.exp_avg_sq != 0) & (s.exp_avg_sq.abs() < 1.1754944e-38f)).sum().item<long>()));
        for (int i = 0; i < stock.Length; i++)
            Assert.True(stock[i].equal(fusedParams[i]).all().item<bool>(), $"parameter {i} differs");
    }
}
