using CategoricalVae.Evaluation;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Evaluation;

[Trait("Category", Category.Unit)]
[Collection(ProcessStateCollection.Name)]   // one libtorch thread for its many tiny steps
public class GradientVarianceTests
{
    static (CategoricalVaeModel Model, Tensor X) Setup()
    {
        torch.manual_seed(5);
        var model = new CategoricalVaeModel(4, 3, reluOnLogits: false);
        var x = rand(16, CategoricalVaeModel.PixelCount, generator: new Generator(2)).gt(0.5).to(float32);
        return (model, x);
    }

    [Fact]
    public void Deterministic_estimators_have_no_variance_and_the_score_function_has_by_far_the_most()
    {
        var (model, x) = Setup();
        using var threads = LibTorchThreads.Set(1);
        using (model)
        using (x)
        {
            var result = GradientVariance.Measure(model, x, new GradientVariance.Request(Temperature: 1.0, Draws: 20, Seed: 1), GradientEstimators.All);
            var byKind = result.Figures.ToDictionary(f => f.Estimator);
            Assert.Equal(GradientEstimators.All, result.Figures.Select(f => f.Estimator));
            Assert.Equal(0, byKind[GradientEstimator.Softmax].TotalVariance);
            Assert.Equal(0, byKind[GradientEstimator.Argmax].TotalVariance);
            Assert.True(byKind[GradientEstimator.GumbelSoftmax].TotalVariance > 0);
            foreach (var kind in new[] { GradientEstimator.GumbelSoftmax, GradientEstimator.StGumbelSoftmax, GradientEstimator.StraightThrough })
                Assert.True(byKind[GradientEstimator.ScoreFunction].TotalVariance > 10 * byKind[kind].TotalVariance,
                    $"score function {byKind[GradientEstimator.ScoreFunction].TotalVariance} vs {kind} {byKind[kind].TotalVariance}");
            Assert.Equal(0, byKind[GradientEstimator.ScoreFunction].DistanceToScoreFunction);
            Assert.Equal((4L * 3 * 256 + 4 * 3) + (256 * 512 + 256) + (512 * 784 + 512), result.Parameters);
            // The model is left as it was found, with no gradient lying around.
            Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.abs().sum().ToDouble() == 0));
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_figures_and_the_reference_is_measured_even_when_not_asked_for()
    {
        var (model, x) = Setup();
        using var threads = LibTorchThreads.Set(1);
        using (model)
        using (x)
        {
            var a = GradientVariance.Measure(model, x, new GradientVariance.Request(1.0, 5, 3), [GradientEstimator.StraightThrough]);
            var b = GradientVariance.Measure(model, x, new GradientVariance.Request(1.0, 5, 3), [GradientEstimator.StraightThrough]);
            Assert.Single(a.Figures);
            Assert.Equal(a.Figures, b.Figures);
            Assert.True(a.Figures[0].DistanceToScoreFunction > 0 && a.Figures[0].NoiseFloor > 0);
        }
    }
}
