using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>
/// ReinMax (Liu et al., NeurIPS 2023, Algorithm 2): forward an exact one-hot sample D of q = softmax(a); backward the
/// second-order (Heun's method) straight-through gradient: with π½ = (D + softmax(a/τ))/2, the code is
/// D + π₂ − stop(π₂) where π₂ = 2·softmax(a + stop(log π½ − a)) − q/2, whose Jacobian is 2·J(π½) − J(q)/2 (J(p) the
/// softmax Jacobian at p). τ enters only through π½; the paper recommends τ ≥ 1.
/// </summary>
public sealed class ReinmaxEstimator : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.Reinmax;

    public FusedForm? Fused => FusedForm.Reinmax;

    public Tensor Code(Tensor logits, double temperature, Generator noise)
    {
        using var scope = NewDisposeScope();
        var q = logits.softmax(-1);
        var sample = GumbelSoftmax.OneHotSample(logits, noise);
        var half = (sample + (logits / temperature).softmax(-1)) / 2;
        var pi1 = (logits + (half.log() - logits).detach()).softmax(-1);
        var pi2 = 2 * pi1 - 0.5 * q;
        return (sample + (pi2 - pi2.detach())).MoveToOuterDisposeScope();
    }
}
