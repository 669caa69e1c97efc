using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model.Fused;

/// <summary>
/// The fused CPU pass against the autograd graph it replaces, computed in float64 from the same weights, images and
/// Gumbel noise: loss, reconstruction, posterior and every parameter's gradient, for every estimator that has a
/// fused form, with and without the ReLU on the logits. The float32 graph is held to the same tolerance, so the
/// fused pass is no less exact than the code it replaces.
/// </summary>
[Trait("Category", Category.Unit)]
public class FusedPassTests
{
    const double Temperature = 0.7;

    public static TheoryData<GradientEstimator, bool, int, int, int> Cases()
    {
        var data = new TheoryData<GradientEstimator, bool, int, int, int>();
        foreach (var e in GradientEstimators.All.Where(e => GradientEstimators.For(e).Fused != null))
            foreach (bool relu in new[] { true, false })
                data.Add(e, relu, 30, 10, 100);
        data.Add(GradientEstimator.GumbelSoftmax, false, 3, 7, 13); // K not a multiple of the vector width, odd batch
        data.Add(GradientEstimator.StGumbelSoftmax, true, 2, 3, 1);
        return data;
    }

    sealed record Outcome(double Bce, double Kl, double[] Reconstruction, double[] Posterior, double[][] Gradients);

    static Tensor Images(int rows)
    {
        using var g = new Generator(7);
        // MNIST-like: mostly exact zeros, some grey levels, some saturated pixels.
        var u = rand([rows, 784], generator: g);
        return where(u < 0.6, zeros_like(u), where(u > 0.9, ones_like(u), u)).MoveToOuterDisposeScope();
    }

    static CategoricalVaeModel Model(int latents, int categories, bool relu)
    {
        var model = ModelFactory.Create(latents, categories, relu, seed: 3);
        model.train();
        return model;
    }

    static Outcome Graph(GradientEstimator estimator, bool relu, int latents, int categories, Tensor x, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noise = new Generator(11);
        using var model = Model(latents, categories, relu);
        model.to(dtype);
        var sampling = new LatentSampling(GradientEstimators.For(estimator), Temperature, noise);
        var pass = model.forward(x.to(dtype), sampling);
        var loss = VaeLoss.Compute(pass, x.to(dtype), categories, sampling.Estimator);
        loss.Total.backward();
        return new Outcome(loss.Bce.ToDouble(), loss.Kl.ToDouble(), Doubles(pass.Reconstruction), Doubles(pass.Posterior),
            model.parameters().Select(p => Doubles(p.grad!)).ToArray());
    }

    static Outcome Fused(GradientEstimator estimator, bool relu, int latents, int categories, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var noise = new Generator(11);
        using var model = Model(latents, categories, relu);
        using var fused = VaePasses.For(model, GradientEstimators.For(estimator), (int)x.shape[0] + 5, autograd: false);
        Assert.Equal("the fused CPU pass", fused.Description);
        var loss = fused.Forward(x, Temperature, noise, forTraining: true);
        Assert.True(fused.Backward(), "gradients of ordinary values are proven finite");
        return new Outcome(loss.Bce, loss.Kl, Doubles(fused.Reconstruction), Doubles(fused.Posterior),
            model.parameters().Select(p => Doubles(p.grad!)).ToArray());
    }

    static double[] Doubles(Tensor t) => t.detach().to(float64).contiguous().data<double>().ToArray();

    /// <summary>Largest |a − b| relative to the largest |b| (a gradient's scale), so tiny entries do not dominate.</summary>
    static double Error(double[] a, double[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double scale = b.Max(Math.Abs), worst = 0;
        for (int i = 0; i < a.Length; i++)
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return scale == 0 ? worst : worst / scale;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_and_gradients_match_the_autograd_graph_in_float64(GradientEstimator estimator, bool relu, int latents, int categories, int rows)
    {
        using var scope = NewDisposeScope();
        var x = Images(rows);
        var exact = Graph(estimator, relu, latents, categories, x, ScalarType.Float64);
        var graph32 = Graph(estimator, relu, latents, categories, x, ScalarType.Float32);
        var fused = Fused(estimator, relu, latents, categories, x);

        Assert.Equal(exact.Bce, fused.Bce, exact.Bce * 1e-5);
        Assert.Equal(exact.Kl, fused.Kl, Math.Max(exact.Kl, 1e-3) * 1e-4);
        Assert.True(Error(fused.Reconstruction, exact.Reconstruction) < 1e-5, "reconstruction");
        Assert.True(Error(fused.Posterior, exact.Posterior) < 1e-5, "posterior");
        for (int i = 0; i < exact.Gradients.Length; i++)
        {
            double fusedError = Error(fused.Gradients[i], exact.Gradients[i]);
            double graphError = Error(graph32.Gradients[i], exact.Gradients[i]);
            // float32 through six layers: both are a few 1e-6 of the gradient's scale; a wrong formula is O(1).
            Assert.True(fusedError < Math.Max(1e-4, 4 * graphError), $"parameter {i}: fused {fusedError:E2}, float32 graph {graphError:E2}");
        }
    }

    /// <summary>Adam divides by √v, so a gradient entry near zero whose sign differs at float rounding moves its
    /// weight by ±lr either way: parameters are not comparable element by element after a step, but the losses are.</summary>
    [Fact]
    public void Training_steps_through_the_fused_pass_give_the_graphs_losses()
    {
        using var scope = NewDisposeScope();
        var x = Images(50);
        double[] Losses(bool fusedPass)
        {
            using var inner = NewDisposeScope();
            using var noise = new Generator(11);
            using var model = Model(30, 10, relu: true);
            using var adam = Optimizers.Adam(model.parameters(), 1e-3);
            using var pass = VaePasses.For(model, GradientEstimators.For(GradientEstimator.StGumbelSoftmax), 50, autograd: !fusedPass);
            Assert.Equal(fusedPass, pass.Description == "the fused CPU pass");
            var step = new TrainingStep(pass, adam);
            return Enumerable.Range(0, 8).Select(i =>
            {
                using var stepScope = NewDisposeScope();
                var result = step.Run(x, Temperature, noise);
                Assert.Equal(StepOutcome.Updated, result.Outcome);
                return result.Loss;
            }).ToArray();
        }
        var graph = Losses(false);
        var fused = Losses(true);
        Assert.True(graph[^1] < graph[0] - 10, "the steps train");
        for (int i = 0; i < graph.Length; i++)
            Assert.Equal(graph[i], fused[i], Math.Abs(graph[i]) * 1e-4);
    }
}
