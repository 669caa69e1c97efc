using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>The tensors of one forward pass through the autograd graph: reconstruction [B, 784], q(y|x)
/// [B, latent×K], logits and code [B, latent, K].</summary>
public sealed record VaeForward(Tensor Reconstruction, Tensor Posterior, Tensor Logits, Tensor Code);
