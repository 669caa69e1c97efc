using static TorchSharp.torch;

namespace CategoricalVae.Model.Estimators;

/// <summary>
/// Gumbel-Rao (Paulus et al., ICLR 2021): forward an exact one-hot sample D of q = softmax(a) (Gumbel-max); backward the
/// straight-through Gumbel-Softmax gradient averaged over <see cref="Draws"/> Gumbel perturbations G_k drawn
/// conditioned on argmax(a + G_k) = D, a Monte Carlo estimate of E[∇ softmax((a + G)/τ) | D]. Conditioned on D, with
/// Z = Σ exp(a) and E_k ~ Exp(1): the winner's perturbed logit is log Z − log E_D (the maximum, Gumbel(log Z)), every
/// other category's is −log(E_c·exp(−a_c) + E_D/Z) (a Gumbel(a_c) truncated below that maximum).
/// </summary>
public sealed class GumbelRaoEstimator(int draws) : IGradientEstimator
{
    public GradientEstimator Kind => GradientEstimator.GumbelRao;

    /// <summary>K, the conditional Gumbel draws averaged per sample.</summary>
    public int Draws { get; } = draws >= 1 ? draws : throw new ArgumentOutOfRangeException(nameof(draws));

    public Tensor Code(Tensor logits, double temperature, Generator noise)
    {
        using var scope = NewDisposeScope();
        var sample = GumbelSoftmax.OneHotSample(logits, noise);
        var perturbed = ConditionalPerturbation(logits.detach(), sample, Draws, noise);   // [K, …, categories]
        var relaxed = ((logits.unsqueeze(0) + perturbed) / temperature).softmax(-1).mean([0L]);
        return GumbelSoftmax.StraightThrough(sample, relaxed).MoveToOuterDisposeScope();
    }

    /// <summary>G_k − a for <paramref name="draws"/> conditional draws given the one-hot <paramref name="sample"/>, from
    /// uniform draws of <paramref name="noise"/> (E = −log U), in <paramref name="logits"/>' dtype.</summary>
    public static Tensor ConditionalPerturbation(Tensor logits, Tensor sample, int draws, Generator noise)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long[] shape = [draws, .. logits.shape];
        var e = -rand(shape, ScalarType.Float32, logits.device, generator: noise).to(logits.dtype).clamp_min(1e-20).log();
        var winner = (sample * e).sum(-1, keepdim: true);                  // E_D
        var logZ = logits.logsumexp(-1, keepdim: true);
        var top = logZ - winner.log();                                      // the maximum
        var others = -(e * (-logits).exp() + winner * (-logZ).exp()).log();
        var adjusted = sample * top + (1 - sample) * others;
        return (adjusted - logits).MoveToOuterDisposeScope();
    }
}
