using CategoricalVae.Model;
using CategoricalVae.Model.Graph;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model;

/// <summary>
/// A model with 2 latents × 3 categories has 9 codes, so log p(x) = log Σ_z p(x|z) p(z) and the exact ELBO
/// Σ_z q(z|x) log p(x|z) − KL(q ‖ p) can be enumerated and the sampled estimators checked against them.
/// </summary>
[Trait("Category", Category.Unit)]
public class DiscreteBoundTests
{
    const int Latents = 2, Categories = 3, Images = 4;
    readonly ITestOutputHelper _out;

    public DiscreteBoundTests(ITestOutputHelper output) => _out = output;

    /// <summary>Random weights, with the encoder's logits and decoder's pixel logits scaled up so that q is far
    /// from uniform and from the true posterior: the gap log p(x) − ELBO is then several nats, not a rounding error.</summary>
    static CategoricalVaeModel TinyModel()
    {
        manual_seed(11);
        var model = new CategoricalVaeModel(Latents, Categories);
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
            {
                if (name.StartsWith("fc3.")) p.mul_(8);
                if (name.StartsWith("fc6.")) p.mul_(6);
            }
        }
        model.eval();
        return model;
    }

    static Tensor BinaryImages() =>
        rand([Images, 784], generator: new Generator(5)).lt(0.3).to(ScalarType.Float32);

    /// <summary>Exact log p(x) and ELBO per image [Images], float64, by summing over all 9 codes.</summary>
    static (double[] LogPx, double[] Elbo) Enumerate(CategoricalVaeModel model, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int codes = (int)Math.Pow(Categories, Latents);
        var z = zeros(codes, Latents, Categories);
        var logQ = model.Encode(x).log_softmax(-1).to(ScalarType.Float64);     // [B, L, K]
        var logQz = zeros([Images, codes], ScalarType.Float64);
        for (int c = 0; c < codes; c++)
        {
            int rest = c;
            for (int l = 0; l < Latents; l++, rest /= Categories)
            {
                z[c, l, rest % Categories] = tensor(1f);
                logQz[TensorIndex.Colon, c] += logQ[TensorIndex.Colon, l, rest % Categories];
            }
        }
        // log p(x|z) by hand in float64, so the estimator under test is not its own referee.
        float[] pixelLogits = model.DecodeLogits(z.view(codes, -1)).contiguous().data<float>().ToArray();   // [codes, 784]
        float[] pixels = x.contiguous().data<float>().ToArray();                                             // [B, 784]
        var logPxzValues = new double[Images * codes];
        for (int b = 0; b < Images; b++)
            for (int c = 0; c < codes; c++)
                logPxzValues[b * codes + c] = LogBernoulliByHand(pixelLogits.AsSpan(c * 784, 784), pixels.AsSpan(b * 784, 784));
        var logPxz = tensor(logPxzValues, [Images, codes], ScalarType.Float64);
        double logPrior = -Latents * Math.Log(Categories);
        var logPx = (logPxz + logPrior).logsumexp(1);
        var elbo = (logQz.exp() * (logPxz + logPrior - logQz)).sum(1);
        return (logPx.data<double>().ToArray(), elbo.data<double>().ToArray());
    }

    /// <summary>Σ x·log σ(a) + (1−x)·log(1−σ(a)) in float64, with log σ(a) = −log(1 + e^−a) written so that neither
    /// exponential overflows.</summary>
    static double LogBernoulliByHand(ReadOnlySpan<float> logits, ReadOnlySpan<float> x)
    {
        static double LogSigmoid(double a) => a >= 0 ? -Math.Log(1 + Math.Exp(-a)) : a - Math.Log(1 + Math.Exp(a));
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
            sum += x[i] * LogSigmoid(logits[i]) + (1 - x[i]) * LogSigmoid(-logits[i]);
        return sum;
    }

    [Fact]
    public void LogBernoulli_matches_a_float64_hand_computation_also_for_saturated_logits()
    {
        using var scope = NewDisposeScope();
        float[] a = [-100, -30, -5, -0.5f, 0, 0.5f, 5, 30, 100];
        float[] x = [0, 1, 0.3f, 1, 0, 0.7f, 1, 0, 1];
        var logits = tensor(a).view(1, -1);
        // Each pixel on its own, then all nine summed.
        for (int i = 0; i < a.Length; i++)
        {
            double expected = LogBernoulliByHand(a.AsSpan(i, 1), x.AsSpan(i, 1));
            double actual = GraphDiscreteBound.LogBernoulli(logits[TensorIndex.Colon, TensorIndex.Slice(i, i + 1)], tensor(new[] { x[i] }).view(1, 1)).item<float>();
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"a = {a[i]}, x = {x[i]}: {actual} vs {expected}");
            Assert.True(double.IsFinite(actual));
        }
        Assert.Equal(LogBernoulliByHand(a, x), GraphDiscreteBound.LogBernoulli(logits, tensor(x).view(1, -1)).item<float>(), 3);
        // The saturated cases by name: a confident wrong pixel costs |a| nats, a confident right one nothing.
        Assert.Equal(-100, LogBernoulliByHand([100f], [0f]), 9);
        Assert.Equal(-100, LogBernoulliByHand([-100f], [1f]), 9);
        Assert.Equal(0, LogBernoulliByHand([100f], [1f]), 9);
    }

    /// <summary>Mean and standard error over <paramref name="repeats"/> independent estimates per image.</summary>
    static (double[] Mean, double[] Se, double[] ElboMean, double[] ElboSe) Repeat(CategoricalVaeModel model, Tensor x, int samples, int repeats, ulong seed)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(seed);
        int perCall = Math.Max(1, 4000 / samples);
        var iw = new List<Tensor>();
        var elbo = new List<Tensor>();
        for (int done = 0; done < repeats; done += perCall)
        {
            int n = Math.Min(perCall, repeats - done);
            var (e, w, _) = VaePasses.Bounds(model).Estimate(x.repeat(n, 1), samples, generator);
            iw.Add(w.view(n, Images));
            elbo.Add(e.view(n, Images));
        }
        var all = cat(iw, 0);
        var allElbo = cat(elbo, 0);
        double[] Get(Tensor t) => t.data<double>().ToArray();
        return (Get(all.mean([0])), Get(all.std(0L) / Math.Sqrt(repeats)), Get(allElbo.mean([0])), Get(allElbo.std(0L) / Math.Sqrt(repeats)));
    }

    [Fact]
    public void With_one_sample_the_IW_bound_and_the_ELBO_estimator_both_average_to_the_exact_ELBO()
    {
        using var model = TinyModel();
        using var x = BinaryImages();
        var (logPx, exactElbo) = Enumerate(model, x);
        var (iw, iwSe, elbo, elboSe) = Repeat(model, x, samples: 1, repeats: 40_000, seed: 21);
        for (int i = 0; i < Images; i++)
        {
            _out.WriteLine($"image {i}: log p(x) {logPx[i]:F3}, exact ELBO {exactElbo[i]:F3}, IW(m=1) {iw[i]:F3} ± {iwSe[i]:F3}, ELBO estimator {elbo[i]:F3} ± {elboSe[i]:F3}");
            Assert.True(logPx[i] - exactElbo[i] > 1.0, $"image {i}: gap {logPx[i] - exactElbo[i]:F3} nats is too small to test anything");
            Assert.True(Math.Abs(iw[i] - exactElbo[i]) < 4 * iwSe[i], $"image {i}: IW(m=1) {iw[i]:F4} ± {iwSe[i]:F4} vs exact ELBO {exactElbo[i]:F4}");
            Assert.True(Math.Abs(elbo[i] - exactElbo[i]) < 4 * elboSe[i], $"image {i}: ELBO estimator {elbo[i]:F4} ± {elboSe[i]:F4} vs exact {exactElbo[i]:F4}");
        }
    }

    [Fact]
    public void The_IW_bound_rises_with_the_number_of_samples_towards_the_exact_log_likelihood()
    {
        using var model = TinyModel();
        using var x = BinaryImages();
        var (logPx, exactElbo) = Enumerate(model, x);
        int[] ms = [1, 4, 32, 1000];
        var results = ms.Select((m, j) => Repeat(model, x, m, repeats: m == 1000 ? 60 : 3000, seed: 100 + (ulong)j)).ToArray();
        for (int i = 0; i < Images; i++)
        {
            _out.WriteLine($"image {i}: exact ELBO {exactElbo[i]:F3}, log p(x) {logPx[i]:F3}; "
                + string.Join(", ", ms.Select((m, j) => $"IW(m={m}) {results[j].Mean[i]:F3} ± {results[j].Se[i]:F3}")));
            for (int j = 1; j < ms.Length; j++)
            {
                double rise = results[j].Mean[i] - results[j - 1].Mean[i];
                double se = Math.Sqrt(Math.Pow(results[j].Se[i], 2) + Math.Pow(results[j - 1].Se[i], 2));
                Assert.True(rise > 3 * se, $"image {i}: IW(m={ms[j]}) does not rise above IW(m={ms[j - 1]}): {rise:F4} ± {se:F4}");
            }
            foreach (var (m, r) in ms.Zip(results))
                Assert.True(r.Mean[i] < logPx[i] + 4 * r.Se[i], $"image {i}: IW(m={m}) {r.Mean[i]:F4} above log p(x) {logPx[i]:F4}");
            double last = results[^1].Mean[i];
            Assert.True(logPx[i] - last < 0.05 * (logPx[i] - exactElbo[i]),
                $"image {i}: IW(m=1000) {last:F4} closes less than 95% of the gap from ELBO {exactElbo[i]:F4} to log p(x) {logPx[i]:F4}");
        }
    }

    /// <summary>The CPU loops draw the graph's noise and compute its arithmetic: on the full-size model the two give the
    /// same per-image bounds to float rounding (a rare Gumbel near-tie may pick another one-hot, hence the tolerance
    /// on the mean rather than on every image).</summary>
    [Fact]
    public void The_fused_bounds_equal_the_tensor_graphs_on_a_full_size_model()
    {
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create(30, 10, reluOnLogits: false, seed: 4);
        model.eval();
        using var g = new Generator(9);
        var x = (rand([20, 784], generator: g) > 0.7).to(ScalarType.Float32);
        using var a = new Generator(5);
        using var b = new Generator(5);
        var (fusedElbo, fusedIw, fusedKl) = VaePasses.Bounds(model).Estimate(x, 37, a, rowsPerChunk: 300);
        var (graphElbo, graphIw, graphKl) = VaePasses.Bounds(model, autograd: true).Estimate(x, 37, b, rowsPerChunk: 300);
        Assert.True(graphKl.equal(fusedKl).all().item<bool>(), "the KL is computed the same way");
        double elboGap = (fusedElbo - graphElbo).abs().max().item<double>(), iwGap = (fusedIw - graphIw).abs().max().item<double>();
        _out.WriteLine($"ELBO {graphElbo.mean().item<double>():F4} vs {fusedElbo.mean().item<double>():F4}, IW {graphIw.mean().item<double>():F4} vs {fusedIw.mean().item<double>():F4}; max gaps {elboGap:E2}, {iwGap:E2}");
        Assert.True(elboGap < 1e-3, $"ELBO differs by {elboGap:E2} nats");
        Assert.True(iwGap < 1e-3, $"IW bound differs by {iwGap:E2} nats");
    }
}
