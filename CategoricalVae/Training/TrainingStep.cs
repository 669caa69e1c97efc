using CategoricalVae.Model;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// One optimizer step of the source's training loop: forward and loss, the NaN/∞ check of the loss, backward, the
/// NaN/∞ check of the gradients (both before the update), Adam. The pass is whichever <see cref="VaePasses"/> chose.
/// The phases are public so `bench` can time them apart on exactly the code a run executes.
/// </summary>
public sealed class TrainingStep(IVaePass pass, IOptimizer optimizer)
{
    readonly Parameter[] _parameters = pass.Model.parameters().ToArray();

    /// <summary>The whole step on batch <paramref name="x"/> [B, 784], its code drawn at temperature
    /// <paramref name="temperature"/> with noise from <paramref name="noise"/>. Call inside a dispose scope: the returned
    /// reconstruction (valid until the next step) and every temporary belong to it.</summary>
    public StepResult Run(Tensor x, double temperature, Generator noise)
    {
        var loss = Forward(x, temperature, noise);
        if (!double.IsFinite(loss.Total))
            return new StepResult(StepOutcome.LossNotFinite, loss.Total, double.NaN, double.NaN, pass.Reconstruction);
        if (!Backward() && !GradientsAreFinite())
            return new StepResult(StepOutcome.GradientsNotFinite, loss.Total, double.NaN, double.NaN, pass.Reconstruction);
        Update();
        return new StepResult(StepOutcome.Updated, loss.Total, loss.Bce, loss.Kl, pass.Reconstruction);
    }

    /// <summary>Loss terms of a batch, ready for <see cref="Backward"/>.</summary>
    public LossTerms Forward(Tensor x, double temperature, Generator noise) => pass.Forward(x, temperature, noise, forTraining: true);

    /// <summary>The gradients of the last <see cref="Forward"/> into every parameter's .grad. True when they are
    /// proven finite on the way; false means <see cref="GradientsAreFinite"/> must look.</summary>
    public bool Backward() => pass.Backward();

    public void Update() => optimizer.Step();

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
