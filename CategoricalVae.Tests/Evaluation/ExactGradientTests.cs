using CategoricalVae.Evaluation;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Evaluation;

/// <summary>The exact gradient by enumeration, and the bias measured against it: zero within its error for the
/// unbiased estimators, clearly not for the relaxed one.</summary>
[Trait("Category", Category.Unit)]
[Collection(ProcessStateCollection.Name)]   // runs at one libtorch thread: thousands of tiny steps, which two threads only slow down
public class ExactGradientTests
{
    readonly ITestOutputHelper _out;

    public ExactGradientTests(ITestOutputHelper output) => _out = output;

    static (CategoricalVaeModel Model, Tensor X) Setup(int latents, int categories, int images)
    {
        var model = ModelFactory.Create(latents, categories, reluOnLogits: false, seed: 5);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.StartsWith("fc3.", StringComparison.Ordinal))
                    p.mul_(6);   // a posterior far from uniform, so the estimators' gradients are not all noise
        var x = rand([images, CategoricalVaeModel.PixelCount], generator: new Generator(2)).gt(0.6).to(float32);
        return (model, x);
    }

    static Parameter[] Encoder(CategoricalVaeModel model) =>
        model.named_parameters().Where(p => p.name.StartsWith("fc1.") || p.name.StartsWith("fc2.") || p.name.StartsWith("fc3.")).Select(p => p.parameter).ToArray();

    /// <summary>The same objective written as one differentiable expression over the 9 codes of a 2×3 latent: the
    /// enumeration's sums and its hand-made logit gradient must give autograd's gradient.</summary>
    [Fact]
    public void The_enumerated_gradient_equals_autograd_through_the_whole_expectation()
    {
        using var scope = NewDisposeScope();
        var (model, x) = Setup(2, 3, 5);
        using var _ = model;
        var encoder = Encoder(model);
        var exact = ExactGradient.Compute(model, x, encoder, codesPerChunk: 4);   // chunks that do not divide 9

        var logits = model.Encode(x);
        var q = logits.softmax(-1);                                                 // [5, 2, 3]
        Tensor expectation = zeros([5]);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
            {
                var z = zeros([1, 6]);
                z[0, a] = 1;
                z[0, 3 + b] = 1;
                var loss = VaeLoss.ReconstructionLossPerExample(model.Decode(z).detach().expand(5, -1), x);   // ℓ(x, z), no gradient
                expectation = expectation + q[.., 0, a] * q[.., 1, b] * loss;
            }
        var objective = expectation.mean() + VaeLoss.KlToUniform(q.view(5, -1), 3).mean();
        var expected = cat(autograd.grad([objective], encoder).Select(g => g.flatten().to(float64)).ToArray());
        double error = (exact - expected).abs().max().ToDouble(), scale = expected.abs().max().ToDouble();
        Assert.True(scale > 0 && error < 1e-4 * scale, $"max |Δ| {error:E2} of {scale:E2}");
        Assert.Equal(9, ExactGradient.CodeCount(2, 3));
        Assert.Equal(long.MaxValue, ExactGradient.CodeCount(30, 10 * 1000));
    }

    /// <summary>On a 3×3 latent (27 codes): the score function and RLOO, unbiased, read zero squared bias within 4
    /// standard errors; Gumbel-Softmax at τ = 1 estimates the gradient of the relaxed objective, and its bias is far
    /// outside its error. A bias estimate that ignored the draws' own noise would put the unbiased ones outside too.</summary>
    [Fact]
    public void Unbiased_estimators_read_zero_bias_within_their_error_and_gumbel_softmax_does_not()
    {
        using var scope = NewDisposeScope();
        var (model, x) = Setup(3, 3, 8);
        using var _ = model;
        GradientEstimator[] kinds = [GradientEstimator.ScoreFunction, GradientEstimator.Rloo, GradientEstimator.GumbelSoftmax];
        GradientVariance.Result result;
        using (LibTorchThreads.Set(1))
            result = GradientVariance.Measure(model, x, new GradientVariance.Request(1.0, 600, 7, Autograd: false, Exact: true), kinds);
        Assert.NotNull(result.ExactNorm);
        foreach (var f in result.Figures)
            _out.WriteLine($"{f.Estimator}: relative squared bias {f.Bias!.RelativeSquaredBias:G4} ± {f.Bias.StandardError:G3}, cos {f.Bias.CosineToExact:F4}, variance {f.TotalVariance:G4}");
        var byKind = result.Figures.ToDictionary(f => f.Estimator, f => f.Bias!);
        foreach (var unbiased in new[] { GradientEstimator.ScoreFunction, GradientEstimator.Rloo })
        {
            var b = byKind[unbiased];
            Assert.True(Math.Abs(b.RelativeSquaredBias) < 4 * b.StandardError, $"{unbiased}: {b.RelativeSquaredBias:G4} ± {b.StandardError:G3}");
            Assert.True(b.CosineToExact > 0.9, $"{unbiased}: cos {b.CosineToExact:F4}");
        }
        var relaxed = byKind[GradientEstimator.GumbelSoftmax];
        Assert.True(relaxed.RelativeSquaredBias > 4 * relaxed.StandardError, $"gumbel-softmax: {relaxed.RelativeSquaredBias:G4} ± {relaxed.StandardError:G3}");
    }
}
