namespace CategoricalVae.Model.Estimators;

/// <summary>
/// What a pathwise gradient estimator feeds the decoder, and which softmax its gradient flows back through,
/// in the terms of the fused CPU pass's latent kernel: an estimator that has one trains through that pass.
/// </summary>
public enum FusedForm
{
    /// <summary>y = softmax((a + g)/τ) forward and backward (Gumbel-Softmax).</summary>
    Relaxed,

    /// <summary>One-hot of argmax y forward, y's gradient backward (straight-through Gumbel-Softmax).</summary>
    OneHotOfRelaxed,

    /// <summary>One-hot of argmax (a + g) forward (an exact sample of q), q's gradient backward (straight-through).</summary>
    OneHotSample,

    /// <summary>y = softmax(a/τ) forward and backward, no noise (the seeds' softmax).</summary>
    Softmax,

    /// <summary>One-hot of argmax a forward, q's gradient backward (the seeds' argmax with a straight-through gradient).</summary>
    OneHotArgmax,

    /// <summary>Exact one-hot sample of q forward; backward 2·J(π½) − J(q)/2 with π½ = (D + softmax(a/τ))/2 (ReinMax).</summary>
    Reinmax,
}
