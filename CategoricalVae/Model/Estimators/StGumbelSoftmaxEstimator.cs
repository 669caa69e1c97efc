using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>Straight-through Gumbel-Softmax: the one-hot of the relaxed sample forward, its gradient backward.</summary>
public sealed class StGumbelSoftmaxEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.StGumbelSoftmax;

    public FusedForm? Fused => FusedForm.OneHotOfRelaxed;

    public Tensor Code(Tensor logits, double temperature, Generator noise) =>
        // The pair's other members stay in the caller's dispose scope, as the whole forward pass does.
        GumbelSoftmax.Sample(logits, temperature, noise).StraightThrough;
}
