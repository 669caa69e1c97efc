using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>The seeds' argmax output: a deterministic one-hot of the logits, made trainable with the
/// straight-through gradient of q = softmax(logits).</summary>
public sealed class ArgmaxEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.Argmax;

    public FusedForm? Fused => FusedForm.OneHotArgmax;

    public Tensor Code(Tensor logits, double temperature, Generator noise)
    {
        using var scope = NewDisposeScope();
        var probabilities = logits.softmax(-1);
        var oneHot = GumbelSoftmax.OneHotOfArgmax(logits);
        return GumbelSoftmax.StraightThrough(oneHot, probabilities).MoveToOuterDisposeScope();
    }
}
