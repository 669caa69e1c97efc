namespace CategoricalVae.Model.Estimators;

/// <summary>How the encoder gets a gradient through the categorical sample (config.json spells these in kebab case).</summary>
public enum GradientEstimator
{
    /// <summary>Relaxed sample softmax((logits + g)/τ) (Jang et al. 2017; the source's soft mode).</summary>
    GumbelSoftmax,

    /// <summary>One-hot of the Gumbel-Softmax sample forward, the relaxed sample's gradient backward (the source's --hard).</summary>
    StGumbelSoftmax,

    /// <summary>Exact one-hot sample of q forward, the gradient of q's probabilities backward (Bengio et al. 2013).</summary>
    StraightThrough,

    /// <summary>REINFORCE with a leave-one-out baseline: exact one-hot sample; encoder gradient (ℓ − b)·∇log q.</summary>
    ScoreFunction,

    /// <summary>Deterministic softmax(logits/τ): a relaxed autoencoder with no sampling, for contrast.</summary>
    Softmax,

    /// <summary>Deterministic one-hot of the logits' argmax with the straight-through gradient of q.</summary>
    Argmax,

    /// <summary>Exact one-hot sample of q forward, the second-order (Heun) straight-through gradient backward (Liu et al. 2023).</summary>
    Reinmax,

    /// <summary>Exact one-hot sample of q forward, the straight-through Gumbel-Softmax gradient averaged over Gumbel draws
    /// conditioned on that sample backward (Paulus et al. 2021).</summary>
    GumbelRao,

    /// <summary>REINFORCE with S samples per example and the leave-one-out baseline among them (Kool et al. 2019).</summary>
    Rloo,
}
