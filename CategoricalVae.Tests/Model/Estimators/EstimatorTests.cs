using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model.Estimators;

/// <summary>Each estimator's code (forward) and its gradient on a 2×3 latent, against values computed by hand
/// from the same Gumbel noise.</summary>
[Trait("Category", Category.Unit)]
public class EstimatorTests
{
    const double Tau = 0.7;
    static readonly double[,] L = { { 0.3, -0.4, 1.1 }, { 0.0, 0.9, -0.2 } };
    static readonly double[,] W = { { 1.5, -0.5, 2.0 }, { -1.0, 0.25, 0.75 } };

    /// <summary>The generator every estimator draws its noise from, seeded alike for each.</summary>
    static Generator Noise17() => new(17);

    /// <summary>The Gumbel noise the sampler above draws first, as doubles.</summary>
    static double[,] Noise()
    {
        using var scope = NewDisposeScope();
        var g = GumbelSoftmax.Noise([1, 2, 3], CPU, Noise17()).to(float64).data<double>().ToArray();
        return new[,] { { g[0], g[1], g[2] }, { g[3], g[4], g[5] } };
    }

    /// <summary>Code and d(Σ W·code)/d logits from the estimator under test.</summary>
    static (double[,] Code, double[,] Gradient) Run(GradientEstimator kind)
    {
        using var scope = NewDisposeScope();
        var logits = tensor(Flat(L), float64).view(1, 2, 3).requires_grad_(true);
        var code = GradientEstimators.For(kind).Code(logits, Tau, Noise17());
        if (code.requires_grad)
            (code * tensor(Flat(W), float64).view(1, 2, 3)).sum().backward();
        var grad = logits.grad is { } gr ? gr.data<double>().ToArray() : new double[6];
        return (Grid(code.detach().to(float64).data<double>().ToArray()), Grid(grad));
    }

    static double[] Flat(double[,] a) => a.Cast<double>().ToArray();
    static double[,] Grid(double[] v) => new[,] { { v[0], v[1], v[2] }, { v[3], v[4], v[5] } };

    static double[] Softmax(double[] a)
    {
        double max = a.Max();
        var e = a.Select(v => Math.Exp(v - max)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    static double[] Row(double[,] a, int i) => [a[i, 0], a[i, 1], a[i, 2]];

    static double[] OneHot(double[] a)
    {
        int k = Array.IndexOf(a, a.Max());
        return [k == 0 ? 1 : 0, k == 1 ? 1 : 0, k == 2 ? 1 : 0];
    }

    /// <summary>d(Σ_k w_k y_k)/d a_k for y = softmax(a / t): (1/t)·y_k·(w_k − Σ_j y_j w_j).</summary>
    static double[] SoftmaxGradient(double[] y, double[] w, double t)
    {
        double mean = y.Zip(w, (a, b) => a * b).Sum();
        return y.Select((v, k) => v * (w[k] - mean) / t).ToArray();
    }

    static void Same(double[] expected, double[,] actual, int row, string what)
    {
        for (int k = 0; k < 3; k++)
            Assert.True(Math.Abs(expected[k] - actual[row, k]) < 1e-6, $"{what}[{row},{k}]: expected {expected[k]:R}, got {actual[row, k]:R}");
    }

    static void Check(GradientEstimator kind, Func<double[], double[], (double[] Code, double[] Gradient)> hand)
    {
        var (code, gradient) = Run(kind);
        var g = Noise();
        for (int i = 0; i < 2; i++)
        {
            var (expectedCode, expectedGradient) = hand(Row(L, i), Row(g, i));
            Same(expectedCode, code, i, $"{kind} code");
            Same(expectedGradient, gradient, i, $"{kind} gradient");
        }
    }

    static double[] Plus(double[] a, double[] b) => a.Zip(b, (x, y) => x + y).ToArray();
    static double[] Over(double[] a, double t) => a.Select(v => v / t).ToArray();

    [Fact]
    public void Gumbel_softmax_is_the_relaxed_sample_differentiated_as_it_is()
    {
        int row = 0;
        Check(GradientEstimator.GumbelSoftmax, (l, g) =>
        {
            var y = Softmax(Over(Plus(l, g), Tau));
            return (y, SoftmaxGradient(y, Row(W, row++), Tau));
        });
    }

    [Fact]
    public void St_gumbel_softmax_is_one_hot_forward_with_the_relaxed_samples_gradient()
    {
        int row = 0;
        Check(GradientEstimator.StGumbelSoftmax, (l, g) =>
        {
            var y = Softmax(Over(Plus(l, g), Tau));
            return (OneHot(Plus(l, g)), SoftmaxGradient(y, Row(W, row++), Tau));
        });
    }

    [Fact]
    public void Straight_through_is_an_exact_sample_forward_with_the_gradient_of_q()
    {
        int row = 0;
        Check(GradientEstimator.StraightThrough, (l, g) => (OneHot(Plus(l, g)), SoftmaxGradient(Softmax(l), Row(W, row++), 1.0)));
    }

    [Fact]
    public void Argmax_is_the_deterministic_one_hot_of_the_logits_with_the_gradient_of_q()
    {
        int row = 0;
        Check(GradientEstimator.Argmax, (l, g) => (OneHot(l), SoftmaxGradient(Softmax(l), Row(W, row++), 1.0)));
    }

    [Fact]
    public void Softmax_is_the_deterministic_tempered_softmax()
    {
        int row = 0;
        Check(GradientEstimator.Softmax, (l, g) =>
        {
            var y = Softmax(Over(l, Tau));
            return (y, SoftmaxGradient(y, Row(W, row++), Tau));
        });
    }

    /// <summary>ReinMax's Jacobian is 2·J(π½) − J(q)/2 with π½ = (D + softmax(a/τ))/2 and J(p)·w = p ⊙ (w − p·w).</summary>
    [Fact]
    public void Reinmax_is_an_exact_sample_forward_with_the_second_order_gradient()
    {
        int row = 0;
        Check(GradientEstimator.Reinmax, (l, g) =>
        {
            var d = OneHot(Plus(l, g));
            var half = Softmax(Over(l, Tau)).Zip(d, (s, o) => (s + o) / 2).ToArray();
            var w = Row(W, row++);
            var second = SoftmaxGradient(half, w, 1.0);
            var first = SoftmaxGradient(Softmax(l), w, 1.0);
            return (d, second.Zip(first, (a, b) => 2 * a - b / 2).ToArray());
        });
    }

    /// <summary>Gumbel-Rao with K = 3: the sample D from the first noise draw, then three conditional perturbations from the
    /// next uniform draws (E = −log U): the winner at log Z − log E_D, the others at −log(E_c·e^(−a_c) + E_D/Z); the
    /// gradient is the mean of the three relaxed samples' gradients, and every perturbation keeps D on top.</summary>
    [Fact]
    public void Gumbel_rao_averages_the_relaxed_gradient_over_draws_conditioned_on_the_sample()
    {
        const int draws = 3;
        using var scope = NewDisposeScope();
        var logits = tensor(Flat(L), float64).view(1, 2, 3).requires_grad_(true);
        var code = new GumbelRaoEstimator(draws).Code(logits, Tau, Noise17());
        (code * tensor(Flat(W), float64).view(1, 2, 3)).sum().backward();
        var actualCode = Grid(code.detach().data<double>().ToArray());
        var actualGradient = Grid(logits.grad!.data<double>().ToArray());

        var generator = Noise17();
        var u0 = rand([1, 2, 3], generator: generator).to(float64).data<double>().ToArray();
        var u = rand([draws, 1, 2, 3], generator: generator).to(float64).data<double>().ToArray();
        for (int i = 0; i < 2; i++)
        {
            var l = Row(L, i);
            var gumbel = Enumerable.Range(0, 3).Select(k => -Math.Log(-Math.Log(u0[i * 3 + k] + 1e-20) + 1e-20)).ToArray();
            var d = OneHot(Plus(l, gumbel));
            int chosen = Array.IndexOf(d, 1.0);
            double logZ = Math.Log(l.Sum(Math.Exp));
            var gradient = new double[3];
            for (int j = 0; j < draws; j++)
            {
                var e = Enumerable.Range(0, 3).Select(k => -Math.Log(Math.Max(u[(j * 2 + i) * 3 + k], 1e-20))).ToArray();
                var perturbed = Enumerable.Range(0, 3).Select(k => k == chosen
                    ? logZ - Math.Log(e[chosen])
                    : -Math.Log(e[k] * Math.Exp(-l[k]) + e[chosen] / Math.Exp(logZ))).ToArray();
                Assert.Equal(chosen, Array.IndexOf(perturbed, perturbed.Max()));
                var y = Softmax(Over(perturbed, Tau));
                var one = SoftmaxGradient(y, Row(W, i), Tau);
                for (int k = 0; k < 3; k++)
                    gradient[k] += one[k] / draws;
            }
            Same(d, actualCode, i, "gumbel-rao code");
            Same(gradient, actualGradient, i, "gumbel-rao gradient");
        }
    }

    /// <summary>RLOO with S = 3 samples of each of two examples: row b·3 + s holds sample s of example b, the baseline of
    /// a sample is the mean loss of its example's two others, and the surrogate's gradient is
    /// (1/(B·S))·Σ (ℓ − b)·(z − q) per latent.</summary>
    [Fact]
    public void Rloo_takes_each_samples_baseline_from_its_examples_other_samples()
    {
        using var scope = NewDisposeScope();
        var estimator = GradientEstimators.For(GradientEstimator.Rloo, new EstimatorSettings(RlooSamples: 3));
        Assert.Equal(3, estimator.SamplesPerExample);
        Assert.True(estimator.NeedsSurrogate);
        var logits = tensor(Flat(L).Concat(Flat(W)).ToArray(), float64).view(2, 2, 3).repeat_interleave(3, 0).detach().requires_grad_(true);
        var code = estimator.Code(logits, Tau, Noise17());
        Assert.False(code.requires_grad);
        double[] losses = [10, 4, 7, 1, 2, 9];
        estimator.Surrogate(logits, code, tensor(losses, float64)).backward();
        var grad = logits.grad!.data<double>().ToArray();
        var z = code.to(float64).data<double>().ToArray();
        double[][] rows = [Row(L, 0), Row(L, 1), Row(W, 0), Row(W, 1)];
        for (int r = 0; r < 6; r++)
        {
            int example = r / 3;
            double baseline = (Enumerable.Range(example * 3, 3).Sum(j => losses[j]) - losses[r]) / 2;
            for (int latent = 0; latent < 2; latent++)
            {
                var q = Softmax(rows[example * 2 + latent]);
                for (int k = 0; k < 3; k++)
                {
                    int at = (r * 2 + latent) * 3 + k;
                    Assert.Equal((losses[r] - baseline) / 6 * (z[at] - q[k]), grad[at], 9);
                }
            }
        }
    }

    [Fact]
    public void Score_function_sends_no_gradient_through_the_code_and_its_surrogate_gives_advantage_times_score()
    {
        // The code is an exact one-hot sample and carries no gradient: the hand gradient through it is zero.
        Check(GradientEstimator.ScoreFunction, (l, g) => (OneHot(Plus(l, g)), new double[3]));

        // Surrogate on a batch of two with losses 10 and 4: leave-one-out baselines 4 and 10, advantages ±6, and
        // d/dl of mean_j adv_j·log q(z_j) = adv_j/B·(z_j − q_j) per latent.
        using var scope = NewDisposeScope();
        var estimator = GradientEstimators.For(GradientEstimator.ScoreFunction);
        Assert.True(estimator.NeedsSurrogate);
        var logits = tensor(Flat(L).Concat(Flat(W)).ToArray(), float64).view(2, 2, 3).requires_grad_(true);
        var code = estimator.Code(logits, Tau, Noise17());
        Assert.False(code.requires_grad);
        estimator.Surrogate(logits, code, tensor(new[] { 10.0, 4.0 }, float64)).backward();
        var grad = logits.grad!.data<double>().ToArray();
        var z = code.to(float64).data<double>().ToArray();
        double[][] rows = [Row(L, 0), Row(L, 1), Row(W, 0), Row(W, 1)];
        for (int r = 0; r < 4; r++)
        {
            var q = Softmax(rows[r]);
            double advantage = r < 2 ? 6 : -6;
            for (int k = 0; k < 3; k++)
                Assert.Equal(advantage / 2 * (z[r * 3 + k] - q[k]), grad[r * 3 + k], 9);
        }
    }

    [Fact]
    public void Names_round_trip_and_the_source_modes_keep_their_folder_labels()
    {
        Assert.Equal(["gumbel-softmax", "st-gumbel-softmax", "straight-through", "score-function", "softmax", "argmax", "reinmax", "gumbel-rao", "rloo"],
            GradientEstimators.All.Select(GradientEstimators.Name));
        Assert.All(GradientEstimators.All, k => Assert.Equal(k, GradientEstimators.Parse(GradientEstimators.Name(k))));
        Assert.All(GradientEstimators.All, k => Assert.Equal(k, GradientEstimators.For(k).Kind));
        Assert.Equal("soft", GradientEstimators.FolderLabel(GradientEstimator.GumbelSoftmax));
        Assert.Equal("hard", GradientEstimators.FolderLabel(GradientEstimator.StGumbelSoftmax));
        Assert.Equal("score-function", GradientEstimators.FolderLabel(GradientEstimator.ScoreFunction));
        Assert.Null(GradientEstimators.Parse("reinforce"));
    }
}
