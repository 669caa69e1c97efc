using CategoricalVae.Model.Fused;
using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>Straight-through Gumbel-Softmax: the one-hot of the relaxed sample forward, its gradient backward.</summary>
public sealed class StGumbelSoftmaxEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.StGumbelSoftmax;

    public FusedCode? Fused => FusedCode.OneHotOfRelaxed;

    public Tensor Code(Tensor logits, GumbelSoftmax sampler) =>
        // The pair's other members stay in the caller's dispose scope, as the whole forward pass does.
        sampler.Sample(logits).StraightThrough;
}
