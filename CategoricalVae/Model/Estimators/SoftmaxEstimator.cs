using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>The seeds' plain softmax output softmax(logits/τ): no noise, so the model is a relaxed autoencoder
/// whose decoder never sees a one-hot code during training.</summary>
public sealed class SoftmaxEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.Softmax;

    public FusedForm? Fused => FusedForm.Softmax;

    public Tensor Code(Tensor logits, double temperature, Generator noise)
    {
        using var scope = NewDisposeScope();
        return (logits / temperature).softmax(-1).MoveToOuterDisposeScope();
    }
}
