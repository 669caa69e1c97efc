namespace CategoricalVae.Model;

/// <summary>The loss of one batch, each term a mean per example: BCE (summed over pixels) and KL(q(y|x) ‖ uniform),
/// and their sum as the pass computed it (the graph adds them in float32). NaN when anything non-finite arose.</summary>
public readonly record struct LossTerms(double Total, double Bce, double Kl);
