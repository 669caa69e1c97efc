using CategoricalVae.Common;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Training;

/// <summary>The NaN/∞ checks of a step happen before the optimizer touches anything, whichever pass computes it.</summary>
[Trait("Category", Category.Unit)]
public class TrainingStepTests
{
    sealed class Faults(long? nanLoss = null, long? nanGradient = null) : IFaultPlan
    {
        public void MidWrite(string path, Stream partlyWritten) { }
        public double? LossAt(long step) => step == nanLoss ? double.NaN : null;
        public bool PoisonGradientsAt(long step) => step == nanGradient;
        public bool StopAfter(long stepsDone) => false;
    }

    const double Tau = 1.0;

    static (CategoricalVaeModel Model, IOptimizer Adam, Tensor X) Setup()
    {
        var model = ModelFactory.Create(3, 4, reluOnLogits: true, seed: 1);
        model.train();
        var adam = Optimizers.Adam(model.parameters(), 1e-3);
        var x = rand([8, 784], generator: new Generator(3));
        return (model, adam, x);
    }

    static Tensor[] Snapshot(CategoricalVaeModel model) => model.parameters().Select(p => p.detach().clone()).ToArray();

    static void AssertUnchanged(Tensor[] before, CategoricalVaeModel model)
    {
        foreach (var (a, b) in before.Zip(model.parameters()))
            Assert.True(a.equal(b).all().item<bool>(), "a parameter changed");
    }

    static IVaePass Pass(CategoricalVaeModel model, bool fused) =>
        VaePasses.For(model, new GumbelSoftmaxEstimator(), 8, autograd: !fused);

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void A_non_finite_loss_or_gradient_leaves_every_parameter_as_it_was(bool poisonLoss, bool fused)
    {
        using var scope = NewDisposeScope();
        var (model, adam, x) = Setup();
        using var _ = model;
        using var __ = adam;
        using var noise = new Generator(2);
        long globalStep = 0;
        var faults = poisonLoss ? new Faults(nanLoss: 1) : new Faults(nanGradient: 1);
        using var pass = new FaultInjectingPass(Pass(model, fused), faults, () => globalStep);
        var step = new TrainingStep(pass, adam);
        Assert.Equal(StepOutcome.Updated, step.Run(x, Tau, noise).Outcome);
        var before = Snapshot(model);
        globalStep = 1;
        var result = step.Run(x, Tau, noise);
        Assert.Equal(poisonLoss ? StepOutcome.LossNotFinite : StepOutcome.GradientsNotFinite, result.Outcome);
        AssertUnchanged(before, model);
        // And the optimizer's own count did not move: the refused step never reached Adam.
        var state = (TorchSharp.Modules.Adam.State)adam.State.state_dict().State[0];
        Assert.Equal(1, state.step);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_step_that_passes_the_checks_changes_the_parameters(bool fused)
    {
        using var scope = NewDisposeScope();
        var (model, adam, x) = Setup();
        using var _ = model;
        using var __ = adam;
        using var noise = new Generator(2);
        using var pass = Pass(model, fused);
        var before = Snapshot(model);
        Assert.Equal(StepOutcome.Updated, new TrainingStep(pass, adam).Run(x, Tau, noise).Outcome);
        Assert.Contains(before.Zip(model.parameters()), p => !p.First.equal(p.Second).all().item<bool>());
    }

    /// <summary>The fused pass proves its gradients finite from the magnitudes it sees, without reading them. Pixels of
    /// 1e30 (with the first layer scaled down to keep the activations ordinary) give a finite loss, but the first
    /// layer's weight gradient, the outer product of 1e29-sized input gradients and 1e30-sized pixels, overflows: the
    /// proof must fail, the step must then read the gradients, and it must stop before Adam.</summary>
    [Fact]
    public void Overflowing_gradients_fail_the_fused_finiteness_proof_and_stop_the_step_before_the_update()
    {
        using var scope = NewDisposeScope();
        var (model, adam, x) = Setup();
        using var _ = model;
        using var __ = adam;
        using var noise = new Generator(2);
        using var pass = Pass(model, fused: true);
        var step = new TrainingStep(pass, adam);
        var huge = x * 1e30f;
        using (no_grad())
        {
            model.Layers[0].weight!.mul_(1e-30f);
            model.Layers[0].bias!.mul_(1e-30f);
        }
        var loss = step.Forward(huge, Tau, noise);
        Assert.True(double.IsFinite(loss.Total), $"the loss stays finite ({loss.Total})");
        Assert.False(step.Backward(), "the proof must fail where a gradient overflows");
        Assert.False(step.GradientsAreFinite(), "the first layer's weight gradient overflowed");
        var before = Snapshot(model);
        var result = step.Run(huge, Tau, noise);
        Assert.Equal(StepOutcome.GradientsNotFinite, result.Outcome);
        AssertUnchanged(before, model);
    }
}
