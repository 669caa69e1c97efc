using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>
/// REINFORCE leave-one-out (Kool et al. 2019, "Buy 4 REINFORCE samples, get a baseline for free!"): the decoder sees
/// <see cref="SamplesPerExample"/> = S exact one-hot samples z_s ~ q(z|x) per example, the reconstruction term is their
/// mean, and the encoder's gradient of it is (1/S)·Σ_s (ℓ_s − b_s)·∇log q(z_s|x) with b_s the mean ℓ of the example's
/// other S − 1 samples: independent of z_s, so unbiased, with no state and nothing to tune. The KL stays analytic.
/// </summary>
public sealed class RlooEstimator(int samples) : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.Rloo;

    public int SamplesPerExample { get; } = samples >= 2 ? samples : throw new ArgumentOutOfRangeException(nameof(samples), samples, "leave-one-out needs at least two samples");

    public Tensor Code(Tensor logits, double temperature, Generator noise) => GumbelSoftmax.OneHotSample(logits, noise);

    public bool NeedsSurrogate => true;

    /// <summary>Rows are the S samples of each example in turn: row b·S + s is sample s of example b.</summary>
    public Tensor Surrogate(Tensor logits, Tensor code, Tensor reconstructionLoss)
    {
        using var scope = NewDisposeScope();
        int s = SamplesPerExample;
        var loss = reconstructionLoss.detach().view(-1, s);
        var baseline = (loss.sum(1, keepdim: true) - loss) / (s - 1);
        var logQ = (code.detach() * logits.log_softmax(-1)).sum([1, 2]).view(-1, s);
        return ((loss - baseline) * logQ).mean().MoveToOuterDisposeScope();
    }
}
