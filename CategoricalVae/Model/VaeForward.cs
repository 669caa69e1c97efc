using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>The tensors of one forward pass through the autograd graph for B examples and S codes per example:
/// reconstruction [B·S, 784], q(y|x) [B, latent×K], and the logits the codes were drawn from and the codes
/// [B·S, latent, K] (row b·S + s is code s of example b).</summary>
public sealed record VaeForward(Tensor Reconstruction, Tensor Posterior, Tensor Logits, Tensor Code, int SamplesPerExample = 1);
