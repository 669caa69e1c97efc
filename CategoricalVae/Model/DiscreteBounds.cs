using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>Per-example bounds on log p(x) of the discrete model, each [B] float64: the ELBO with the KL analytic, the
/// importance-weighted bound and the analytic KL(q(z|x) ‖ p(z)).</summary>
public sealed record DiscreteBounds(Tensor Elbo, Tensor ImportanceWeighted, Tensor Kl);
