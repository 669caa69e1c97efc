using CategoricalVae.Model.Estimators;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Model.Graph;

/// <summary>The pass through TorchSharp's autograd graph: <see cref="CategoricalVaeModel.forward"/>, the loss of
/// <see cref="VaeLoss"/> and backward(). The reference the fused pass is tested against, and the pass of every
/// estimator, device or run the fused pass does not cover.</summary>
internal sealed class GraphPass(CategoricalVaeModel model, IGradientEstimator estimator, string description) : IVaePass
{
    VaeLossTerms? _loss;
    Tensor? _reconstruction, _posterior;

    public string Description => description;
    public CategoricalVaeModel Model => model;
    public IGradientEstimator Estimator => estimator;

    public Tensor Reconstruction => _reconstruction ?? throw new InvalidOperationException("no forward pass yet");
    public Tensor Posterior => _posterior ?? throw new InvalidOperationException("no forward pass yet");

    public LossTerms Forward(Tensor x, double temperature, Generator noise, bool forTraining)
    {
        var sampling = new LatentSampling(estimator, temperature, noise);
        if (forTraining)
        {
            model.zero_grad();
            var pass = model.forward(x, sampling);
            _loss = VaeLoss.Compute(pass, x, model.Categories, estimator);
            (_reconstruction, _posterior) = (FirstCodes(pass), pass.Posterior);
            return new LossTerms(_loss.Total.ToDouble(), _loss.Bce.ToDouble(), _loss.Kl.ToDouble());
        }
        _loss = null;
        using var _ = no_grad();
        var forward = model.forward(x, sampling);
        (_reconstruction, _posterior) = (FirstCodes(forward), forward.Posterior);
        using var loss = VaeLoss.Compute(forward.Reconstruction, x, forward.Posterior, model.Categories, forward.SamplesPerExample);
        return new LossTerms(loss.Total.ToDouble(), loss.Bce.ToDouble(), loss.Kl.ToDouble());
    }

    /// <summary>The reconstruction of each example's first code (the pictures show one per example).</summary>
    static Tensor FirstCodes(VaeForward pass) =>
        pass.SamplesPerExample == 1 ? pass.Reconstruction
            : pass.Reconstruction.view(-1, pass.SamplesPerExample, CategoricalVaeModel.PixelCount).select(1, 0);

    /// <summary>Never proven: the graph's gradients must be read.</summary>
    public bool Backward()
    {
        var loss = _loss ?? throw new InvalidOperationException("Backward before a training Forward");
        _loss = null;
        loss.Total.backward();
        return false;
    }

    public void Dispose() { }
}
