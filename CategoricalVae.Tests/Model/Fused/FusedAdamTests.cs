using CategoricalVae.Model;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model.Fused;

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

    /// <summary>The most a weight may differ from TorchSharp's after <paramref name="steps"/> steps: per step a rounding of
    /// the update (TorchSharp's Adam takes MKL's square root, which is not always correctly rounded, and divides by
    /// √(1−β2ᵗ) where ours multiplies) and of the weight itself. A wrong formula is off by a good part of an update,
    /// about lr = 1e-3; a wrong ε by 1e-6 or more.</summary>
    static float Tolerance(Tensor weights, int steps)
    {
        float largest = weights.abs().max().item<float>();
        float ulp = MathF.BitIncrement(largest) - largest;
        return steps * (1e-9f + 2 * ulp);
    }

    [FactOnX64WithFma]
    public void Twenty_steps_match_TorchSharps_Adam_moments_exactly_and_weights_to_a_rounding()
    {
        using var scope = NewDisposeScope();
        var stock = Parameters(5);
        var fusedParams = Parameters(5);
        using var a = Optimizers.Adam(stock, 1e-3, stock: true);
        using var b = Optimizers.Adam(fusedParams, 1e-3);
        var before = stock.Select(p => p.detach().clone()).ToArray();
        for (int step = 0; step < 20; step++)
        {
            SetGradients(stock, step);
            SetGradients(fusedParams, step);
            a.Step();
            b.Step();
        }
        for (int i = 0; i < stock.Length; i++)
        {
            float worst = (stock[i] - fusedParams[i]).abs().max().item<float>();
            float moved = (stock[i] - before[i]).abs().max().item<float>();
            Assert.True(moved > 1e-3f, $"parameter {i} moved by {moved:E3} only: the steps did not update it");
            Assert.True(worst <= Tolerance(stock[i], 20), $"parameter {i} [{string.Join("×", Shapes[i])}]: max |Δ| {worst:E3}");
        }
        // The moments exactly: a checkpoint written by either optimizer resumes the other's run.
        var sa = a.State.state_dict().State.Cast<Adam.State>().ToArray();
        var sb = b.State.state_dict().State.Cast<Adam.State>().ToArray();
        for (int i = 0; i < sa.Length; i++)
        {
            Assert.Equal(sa[i].step, sb[i].step);
            Assert.True(sa[i].exp_avg.equal(sb[i].exp_avg).all().item<bool>(), $"exp_avg {i}");
            Assert.True(sa[i].exp_avg_sq.equal(sb[i].exp_avg_sq).all().item<bool>(), $"exp_avg_sq {i}");
        }
    }

    /// <summary>A step is libtorch's float32 arithmetic except for the denominator, which is √v·(1/√(1−β2)) + ε with a
    /// correctly rounded square root and one multiply-add: written out here element by element, it agrees exactly
    /// with the vectorised pass.</summary>
    [FactOnX64WithFma]
    public void A_step_is_libtorchs_float32_arithmetic_but_for_the_denominator()
    {
        using var scope = NewDisposeScope();
        var ps = Parameters(9);
        var expected = ps.Select(p => p.detach().clone()).ToArray();
        using var adam = Optimizers.Adam(ps, 1e-3);
        SetGradients(ps, 1);
        adam.Step();
        // One step from zero moments, written out as libtorch's kernels compute it in float32.
        float oneMinusBeta1 = (float)(1 - 0.9), oneMinusBeta2 = (float)(1 - 0.999), stepSize = (float)-(1e-3 / (1 - 0.9));
        float inverseBias = (float)(1 / Math.Sqrt(1 - 0.999));
        for (int i = 0; i < ps.Length; i++)
        {
            float[] p = expected[i].data<float>().ToArray(), g = ps[i].grad!.data<float>().ToArray();
            for (int j = 0; j < p.Length; j++)
            {
                float m = MathF.FusedMultiplyAdd(g[j], oneMinusBeta1, 0f);
                float v = MathF.FusedMultiplyAdd(oneMinusBeta2 * g[j], g[j], 0f);
                p[j] += stepSize * m / MathF.FusedMultiplyAdd(MathF.Sqrt(v), inverseBias, 1e-8f);
            }
            Assert.Equal(p, ps[i].data<float>().ToArray());
        }
    }

    /// <summary>Gradients whose squares, and moments that decay, fall below float32's normal range (1.2e-38) are read as
    /// zero by the fused step: the weights still come out as TorchSharp's Adam makes them, to a rounding.</summary>
    [FactOnX64WithFma]
    public void Subnormal_gradients_and_moments_leave_the_weights_as_TorchSharps_Adam_makes_them()
    {
        using var scope = NewDisposeScope();
        var stock = Parameters(7);
        var fusedParams = Parameters(7);
        using var a = Optimizers.Adam(stock, 1e-3, stock: true);
        using var b = Optimizers.Adam(fusedParams, 1e-3);
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
            a.Step();
            b.Step();
        }
        var sa = a.State.state_dict().State.Cast<Adam.State>().ToArray();
        var sb = b.State.state_dict().State.Cast<Adam.State>().ToArray();
        long subnormal = sa.Sum(s => ((s.exp_avg_sq != 0) & (s.exp_avg_sq.abs() < 1.1754944e-38f)).sum().item<long>());
        Assert.True(subnormal > 0, "the stock moments have subnormal entries, so the case is exercised");
        Assert.Equal(0, sb.Sum(s => ((s.exp_avg_sq != 0) & (s.exp_avg_sq.abs() < 1.1754944e-38f)).sum().item<long>()));
        for (int i = 0; i < stock.Length; i++)
        {
            float worst = (stock[i] - fusedParams[i]).abs().max().item<float>();
            Assert.True(worst <= Tolerance(stock[i], 60), $"parameter {i}: max |Δ| {worst:E3}");
        }
    }
}
