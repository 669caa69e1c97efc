using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>Straight-through without relaxation: an exact sample of q (Gumbel-max) forward, and backward the
/// gradient of q = softmax(logits) itself, so τ plays no part.</summary>
public sealed class StraightThroughEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.StraightThrough;

    public FusedForm? Fused => FusedForm.OneHotSample;

    public Tensor Code(Tensor logits, double temperature, Generator noise)
    {
        using var scope = NewDisposeScope();
        var probabilities = logits.softmax(-1);
        var sample = GumbelSoftmax.OneHotSample(logits, noise);
        return GumbelSoftmax.StraightThrough(sample, probabilities).MoveToOuterDisposeScope();
    }
}
