using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model.Fused;

/// <summary>The fused pass cuts its element-wise work into fixed pieces of the batch and adds their sums in piece order,
/// and its products are MKL's in halves whose every element is the same dot product: so a run's losses, weights and
/// test pass do not depend on how many threads share the work.</summary>
[Trait("Category", Category.Unit)]
[Collection(ProcessStateCollection.Name)]   // sets libtorch's thread count for the whole process
public class FusedPassThreadCountTests
{
    static (double[] Losses, double[] TestLosses, float[] Weights) Train(int threads, GradientEstimator estimator)
    {
        int previous = get_num_threads();
        set_num_threads(threads);
        try
        {
            using var scope = NewDisposeScope();
            using var model = ModelFactory.Create(30, 10, reluOnLogits: false, seed: 8);
            using var adam = Optimizers.Adam(model.parameters(), 1e-3);
            using var pass = VaePasses.For(model, GradientEstimators.For(estimator), 100, autograd: false);
            Assert.Equal("the fused CPU pass", pass.Description);
            var step = new TrainingStep(pass, adam);
            using var noise = new Generator(4);
            using var images = new Generator(5);
            var losses = new List<double>();
            for (int i = 0; i < 12; i++)
            {
                using var stepScope = NewDisposeScope();
                // An odd last batch, as the end of an epoch has, so a piece of fewer rows is exercised too.
                var x = rand([i == 11 ? 37 : 100, 784], generator: images).gt(0.6f).to(float32);
                var result = step.Run(x, 0.8, noise);
                Assert.Equal(StepOutcome.Updated, result.Outcome);
                losses.Add(result.Loss);
            }
            var test = new List<double>();
            using (no_grad())
                for (int i = 0; i < 3; i++)
                {
                    using var stepScope = NewDisposeScope();
                    test.Add(pass.Forward(rand([100, 784], generator: images), 0.8, noise, forTraining: false).Total);
                }
            return ([.. losses], [.. test], model.Layers[0].weight!.data<float>().ToArray());
        }
        finally
        {
            set_num_threads(previous);
        }
    }

    [Theory]
    [InlineData(GradientEstimator.GumbelSoftmax)]
    [InlineData(GradientEstimator.StGumbelSoftmax)]
    public void One_and_two_threads_give_the_same_losses_and_weights_bit_for_bit(GradientEstimator estimator)
    {
        var one = Train(1, estimator);
        var two = Train(2, estimator);
        Assert.Equal(one.Losses, two.Losses);
        Assert.Equal(one.TestLosses, two.TestLosses);
        Assert.True(one.Weights.AsSpan().SequenceEqual(two.Weights), "the first layer's weights differ after 12 steps");
        Assert.True(one.Losses[^1] < one.Losses[0], "the steps train");
    }
}
