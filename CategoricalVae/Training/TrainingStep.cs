using CategoricalVae.Common;
using CategoricalVae.Model;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// One optimizer step of the source's training loop: forward, loss, the NaN/∞ check of the loss, backward, the
/// NaN/∞ check of the gradients (both before the update), Adam. The phases are public so `bench` can time them
/// apart on exactly the code a run executes.
/// </summary>
public sealed class TrainingStep
{
    readonly CategoricalVaeModel _model;
    readonly FusedAdam _optimizer;
    readonly IFaultPlan _faults;
    readonly Parameter[] _parameters;

    public TrainingStep(CategoricalVaeModel model, FusedAdam optimizer, IFaultPlan faults)
    {
        _model = model;
        _optimizer = optimizer;
        _faults = faults;
        _parameters = model.parameters().ToArray();
    }

    /// <summary>The whole step on batch <paramref name="x"/> [B, 784]; <paramref name="step"/> is the 0-based global step.
    /// Call inside a dispose scope: the returned reconstruction and every temporary belong to it.</summary>
    public StepResult Run(Tensor x, long step)
    {
        _optimizer.zero_grad();
        var (reconstruction, loss) = Forward(x);
        double total = _faults.LossAt(step) ?? loss.Total.ToDouble();
        if (!double.IsFinite(total))
            return new StepResult(StepOutcome.LossNotFinite, total, double.NaN, double.NaN, reconstruction);
        Backward(loss);
        if (_faults.PoisonGradientsAt(step))
            _parameters[0].grad!.fill_(double.NaN);
        if (!GradientsAreFinite())
            return new StepResult(StepOutcome.GradientsNotFinite, total, double.NaN, double.NaN, reconstruction);
        Update();
        return new StepResult(StepOutcome.Updated, total, loss.Bce.ToDouble(), loss.Kl.ToDouble(), reconstruction);
    }

    /// <summary>Reconstruction and loss terms of a batch, with the autograd graph for <see cref="Backward"/>.</summary>
    public (Tensor Reconstruction, VaeLossTerms Loss) Forward(Tensor x)
    {
        var pass = _model.Pass(x);
        return (pass.Reconstruction, VaeLoss.Compute(pass, x, _model.Categories, _model.Estimator));
    }

    public static void Backward(VaeLossTerms loss) => loss.Total.backward();

    public void Update() => _optimizer.step();

    /// <summary>One reduction per parameter and one read: a non-finite value anywhere makes the sum non-finite.</summary>
    public bool GradientsAreFinite()
    {
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        foreach (var p in _parameters)
            if (p.grad is { } g)
                sum = sum is null ? g.sum() : sum + g.sum();
        return sum is null || double.IsFinite(sum.ToDouble());
    }
}
