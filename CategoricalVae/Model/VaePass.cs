using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>One forward pass: reconstruction [B, 784], q(y|x) [B, latent×K], logits and code [B, latent, K].</summary>
public sealed record VaePass(Tensor Reconstruction, Tensor Posterior, Tensor Logits, Tensor Code);
