using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>The relaxed Gumbel-Softmax sample, differentiated as it is.</summary>
public sealed class GumbelSoftmaxEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.GumbelSoftmax;

    public FusedForm? Fused => FusedForm.Relaxed;

    public Tensor Code(Tensor logits, double temperature, Generator noise) =>
        // The pair's other members stay in the caller's dispose scope, as the whole forward pass does.
        GumbelSoftmax.Sample(logits, temperature, noise).Soft;
}
