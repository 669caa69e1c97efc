using CategoricalVae.Common;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// A pass that makes the loss or the gradients of chosen global steps NaN, as a fault plan says: how the tests of the
/// guarantees reach a run's NaN handling. Built from Program (or a test) around the pass a run trains with; the
/// model layer knows nothing of it.
/// </summary>
public sealed class FaultInjectingPass(IVaePass inner, IFaultPlan faults, Func<long> globalStep) : IVaePass
{
    public string Description => inner.Description;
    public CategoricalVaeModel Model => inner.Model;
    public IGradientEstimator Estimator => inner.Estimator;
    public Tensor Reconstruction => inner.Reconstruction;
    public Tensor Posterior => inner.Posterior;

    public LossTerms Forward(Tensor x, double temperature, Generator noise, bool forTraining)
    {
        var loss = inner.Forward(x, temperature, noise, forTraining);
        return forTraining && faults.LossAt(globalStep()) is { } injected ? new LossTerms(injected, injected, injected) : loss;
    }

    public bool Backward()
    {
        bool proven = inner.Backward();
        if (!faults.PoisonGradientsAt(globalStep()))
            return proven;
        Model.parameters().First().grad!.fill_(double.NaN);
        return false;
    }

    public void Dispose() => inner.Dispose();
}
