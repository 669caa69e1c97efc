using CategoricalVae.Common;
using CategoricalVae.Model;
using CategoricalVae.Model.Fused;
using CategoricalVae.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Training;

/// <summary>The NaN/∞ checks of a step happen before the optimizer touches anything.</summary>
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

    static (CategoricalVaeModel Model, FusedAdam Adam, Tensor X) Setup()
    {
        var model = ModelFactory.Create(3, 4, reluOnLogits: true, seed: 1, new Generator(2));
        model.train();
        var adam = new FusedAdam(model.parameters(), 1e-3);
        var x = rand([8, 784], generator: new Generator(3));
        return (model, adam, x);
    }

    static Tensor[] Snapshot(CategoricalVaeModel model) => model.parameters().Select(p => p.detach().clone()).ToArray();

    static void AssertUnchanged(Tensor[] before, CategoricalVaeModel model)
    {
        foreach (var (a, b) in before.Zip(model.parameters()))
            Assert.True(a.equal(b).all().item<bool>(), "a parameter changed");
    }

    static FusedVae? Pass(CategoricalVaeModel model, bool fused, IFaultPlan faults) =>
        fused ? new FusedVae(model, model.Estimator.Fused!.Value, 8, faults) : null;

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
        IFaultPlan faults = poisonLoss ? new Faults(nanLoss: 1) : new Faults(nanGradient: 1);
        using var pass = Pass(model, fused, faults);
        var step = new TrainingStep(model, adam, faults, pass);
        Assert.Equal(StepOutcome.Updated, step.Run(x, 0).Outcome);
        var before = Snapshot(model);
        var result = step.Run(x, 1);
        Assert.Equal(poisonLoss ? StepOutcome.LossNotFinite : StepOutcome.GradientsNotFinite, result.Outcome);
        AssertUnchanged(before, model);
        // And the optimizer's own count did not move: the refused step never reached Adam.
        var state = (TorchSharp.Modules.Adam.State)adam.Inner.state_dict().State[0];
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
        using var pass = Pass(model, fused, NoFaults.Instance);
        var before = Snapshot(model);
        Assert.Equal(StepOutcome.Updated, new TrainingStep(model, adam, NoFaults.Instance, pass).Run(x, 0).Outcome);
        Assert.Contains(before.Zip(model.parameters()), p => !p.First.equal(p.Second).all().item<bool>());
    }
}
