using CategoricalVae.Common;
using CategoricalVae.Model;
using CategoricalVae.Model.Fused;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// One optimizer step of the source's training loop: forward, loss, the NaN/∞ check of the loss, backward, the
/// NaN/∞ check of the gradients (both before the update), Adam. The forward and backward pass are either the
/// hand-written fused pass (<see cref="FusedVae"/>, the default on the CPU) or TorchSharp's autograd graph (the
/// reference, and the only way for the score function and for CUDA). The phases are public so `bench` can time
/// them apart on exactly the code a run executes.
/// </summary>
public sealed class TrainingStep
{
    readonly CategoricalVaeModel _model;
    readonly FusedAdam _optimizer;
    readonly IFaultPlan _faults;
    readonly FusedVae? _fused;
    readonly Parameter[] _parameters;
    VaeLossTerms? _graphLoss;

    /// <param name="fused">The fused pass to use, or null for the autograd graph.</param>
    public TrainingStep(CategoricalVaeModel model, FusedAdam optimizer, IFaultPlan faults, FusedVae? fused = null)
    {
        _model = model;
        _optimizer = optimizer;
        _faults = faults;
        _fused = fused;
        _parameters = model.parameters().ToArray();
    }

    /// <summary>True when the step runs the fused pass rather than the autograd graph.</summary>
    public bool IsFused => _fused != null;

    /// <summary>The whole step on batch <paramref name="x"/> [B, 784]; <paramref name="step"/> is the 0-based global step.
    /// Call inside a dispose scope: the returned reconstruction and every temporary belong to it (with the fused pass
    /// the reconstruction is a view of a buffer that the next step overwrites).</summary>
    public StepResult Run(Tensor x, long step)
    {
        var (loss, bce, kl, reconstruction) = Forward(x);
        double total = _faults.LossAt(step) ?? loss;
        if (!double.IsFinite(total))
            return new StepResult(StepOutcome.LossNotFinite, total, double.NaN, double.NaN, reconstruction);
        if (!Backward(step) && !GradientsAreFinite())
            return new StepResult(StepOutcome.GradientsNotFinite, total, double.NaN, double.NaN, reconstruction);
        Update();
        return new StepResult(StepOutcome.Updated, total, bce, kl, reconstruction);
    }

    /// <summary>Reconstruction and loss terms (means per example) of a batch, ready for <see cref="Backward"/>.</summary>
    public (double Loss, double Bce, double Kl, Tensor Reconstruction) Forward(Tensor x)
    {
        if (_fused != null)
        {
            var (bce, kl) = _fused.Forward(x, _model.Sampler.Temperature, _model.Sampler.Generator, forTraining: true);
            return (bce + kl, bce, kl, _fused.Reconstruction());
        }
        _optimizer.zero_grad();
        var pass = _model.Pass(x);
        _graphLoss = VaeLoss.Compute(pass, x, _model.Categories, _model.Estimator);
        return (_graphLoss.Total.ToDouble(), _graphLoss.Bce.ToDouble(), _graphLoss.Kl.ToDouble(), pass.Reconstruction);
    }

    /// <summary>The gradients of the last <see cref="Forward"/> into every parameter's .grad. True when they are
    /// proven finite on the way (the fused pass bounds them); false means <see cref="GradientsAreFinite"/> must look.</summary>
    public bool Backward(long step)
    {
        if (_fused != null)
            return _fused.Backward(step);
        var loss = _graphLoss ?? throw new InvalidOperationException("Backward before Forward");
        _graphLoss = null;
        loss.Total.backward();
        if (_faults.PoisonGradientsAt(step))
            _parameters[0].grad!.fill_(double.NaN);
        return false;
    }

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
