using CategoricalVae.Model.Estimators;
using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// The one way through the model: a batch's forward pass and loss, the backward pass into the parameters'
/// gradients, computed either by the hand-written fused CPU pass or by TorchSharp's autograd
/// graph. <see cref="VaePasses"/> decides which; callers never ask which one they hold. A pass belongs to one model
/// and one estimator; τ and the noise come with each call.
/// </summary>
public interface IVaePass : IDisposable
{
    /// <summary>What computes the pass, and why (for the run's log): "the fused CPU pass", or "the autograd graph (…)".</summary>
    string Description { get; }

    CategoricalVaeModel Model { get; }

    IGradientEstimator Estimator { get; }

    /// <summary>Forward pass and loss of batch <paramref name="x"/> [rows, 784] (the images are also the targets), the
    /// code drawn at temperature <paramref name="temperature"/> with noise from <paramref name="noise"/>. With
    /// <paramref name="forTraining"/> it prepares <see cref="Backward"/>; without, it computes no gradient. Call inside a
    /// dispose scope: the graph's tensors belong to it.</summary>
    LossTerms Forward(Tensor x, double temperature, Generator noise, bool forTraining);

    /// <summary>Pixel probabilities [rows, 784] of the last <see cref="Forward"/>, valid until the next one.</summary>
    Tensor Reconstruction { get; }

    /// <summary>q(y|x) [rows, latent × K] of the last <see cref="Forward"/>, valid until the next one.</summary>
    Tensor Posterior { get; }

    /// <summary>The gradients of the last training <see cref="Forward"/> into every parameter's .grad. True when they are
    /// proven finite on the way; false means "not proven", and the caller must read them.</summary>
    bool Backward();
}
