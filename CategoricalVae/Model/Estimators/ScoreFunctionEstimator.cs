using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>
/// REINFORCE: the decoder sees an exact one-hot sample z ~ q(z|x) and the encoder's gradient of the mean
/// reconstruction loss is (ℓ − b)·∇log q(z|x). The baseline b of an example is the mean ℓ of the other examples
/// of its batch (leave-one-out): their samples are independent of its own, so the estimate stays unbiased; it
/// follows the loss as training moves without a tuned decay, and it keeps no state, so a resumed run
/// continues exactly. The KL term stays analytic.
/// </summary>
public sealed class ScoreFunctionEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.ScoreFunction;

    public Tensor Code(Tensor logits, double temperature, Generator noise) => GumbelSoftmax.OneHotSample(logits, noise);

    public bool NeedsSurrogate => true;

    public Tensor Surrogate(Tensor logits, Tensor code, Tensor reconstructionLoss)
    {
        using var scope = NewDisposeScope();
        long batch = reconstructionLoss.shape[0];
        var loss = reconstructionLoss.detach();
        var baseline = batch > 1 ? (loss.sum() - loss) / (batch - 1) : zeros_like(loss);
        var logQ = (code.detach() * logits.log_softmax(-1)).sum([1, 2]);
        return ((loss - baseline) * logQ).mean().MoveToOuterDisposeScope();
    }
}
