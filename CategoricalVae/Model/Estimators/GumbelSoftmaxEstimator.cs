using CategoricalVae.Model.Fused;
using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>The relaxed Gumbel-Softmax sample, differentiated as it is.</summary>
public sealed class GumbelSoftmaxEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.GumbelSoftmax;

    public FusedCode? Fused => FusedCode.Relaxed;

    public Tensor Code(Tensor logits, GumbelSoftmax sampler) =>
        // The pair's other members stay in the caller's dispose scope, as the whole forward pass does.
        sampler.Sample(logits).Soft;
}
