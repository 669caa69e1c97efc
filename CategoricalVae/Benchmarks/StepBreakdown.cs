using System.Diagnostics;
using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Benchmarks;

/// <summary>
/// Where one training step's time goes, phase by phase, through the same <see cref="TrainingStep"/> a run uses
/// (CPU ops are synchronous, so a stopwatch around each phase measures it): once with the fused pass a run uses by
/// default, once with the autograd graph (--autograd), and the optimizer once more with TorchSharp's stock Adam.
/// </summary>
public static class StepBreakdown
{
    /// <param name="GradientCheckMs">The NaN/∞ check of the gradients; the fused pass proves them finite on the way and
    /// only falls back to reading them when it cannot.</param>
    /// <param name="StockAdamMs">The same optimizer step through TorchSharp's stock Adam (measured in a third loop).</param>
    public sealed record Phases(double BatchMs, double ForwardLossMs, double BackwardMs, double GradientCheckMs, double OptimizerMs, double StockAdamMs)
    {
        public double TotalMs => BatchMs + ForwardLossMs + BackwardMs + GradientCheckMs + OptimizerMs;
    }

    /// <summary>The fused pass's phases, the autograd graph's (the reference) and, where MKL has bfloat16 products, the
    /// fused pass's with them, measured in the same call.</summary>
    public sealed record Comparison(Phases Fused, Phases Graph, Phases? Bf16);

    public static Comparison Measure(int batch, int latentDim, int categories, bool hard, int steps, int warmup = 20)
    {
        var fused = MeasureWith(fusedPass: true, fusedAdam: true, batch, latentDim, categories, hard, steps, warmup);
        var graph = MeasureWith(fusedPass: false, fusedAdam: true, batch, latentDim, categories, hard, steps, warmup);
        var stock = MeasureWith(fusedPass: true, fusedAdam: false, batch, latentDim, categories, hard, steps, warmup);
        var bf16 = Native.TeamProduct.IsBf16Available
            ? MeasureWith(fusedPass: true, fusedAdam: true, batch, latentDim, categories, hard, steps, warmup, Precision.Bf16) with { StockAdamMs = stock.OptimizerMs }
            : null;
        return new Comparison(fused with { StockAdamMs = stock.OptimizerMs }, graph with { StockAdamMs = stock.OptimizerMs }, bf16);
    }

    static Phases MeasureWith(bool fusedPass, bool fusedAdam, int batch, int latentDim, int categories, bool hard, int steps, int warmup,
        Precision precision = Precision.Fp32)
    {
        using var scope = NewDisposeScope();
        using var noise = new Generator(2);
        using var model = ModelFactory.Create(latentDim, categories, reluOnLogits: true, seed: 1);
        var estimator = GradientEstimators.For(hard ? GradientEstimator.StGumbelSoftmax : GradientEstimator.GumbelSoftmax);
        model.train();
        using var optimizer = Optimizers.Adam(model.parameters(), 1e-3, stock: !fusedAdam);
        using var pass = VaePasses.For(model, estimator, batch, autograd: !fusedPass, precision);
        var step = new TrainingStep(pass, optimizer);
        // Batches are gathered as a run gathers them: bytes to floats, into one buffer reused from step to step.
        var random = new Random(3);
        byte[] pixels = new byte[batch * 10 * CategoricalVaeModel.PixelCount];
        random.NextBytes(pixels);
        var data = new MnistDataset(pixels, new byte[batch * 10], batch * 10);
        var buffer = zeros([batch, CategoricalVaeModel.PixelCount]);
        using var order = new Generator(4);
        var perm = randperm(batch * 10, generator: order);
        var clocks = new Stopwatch[5].Select(_ => new Stopwatch()).ToArray();

        for (int i = 0; i < warmup + steps; i++)
        {
            if (i == warmup)
                foreach (var c in clocks) c.Reset();
            using var stepScope = NewDisposeScope();
            clocks[0].Start();
            var x = data.BatchInto(perm.narrow(0, i % 10 * batch, batch), buffer);
            clocks[0].Stop();

            clocks[1].Start();
            step.Forward(x, 1.0, noise);
            clocks[1].Stop();

            clocks[2].Start();
            bool proven = step.Backward();
            clocks[2].Stop();

            clocks[3].Start();
            _ = proven || step.GradientsAreFinite();
            clocks[3].Stop();

            clocks[4].Start();
            step.Update();
            clocks[4].Stop();
        }
        double Ms(int k) => clocks[k].Elapsed.TotalMilliseconds / steps;
        return new Phases(Ms(0), Ms(1), Ms(2), Ms(3), Ms(4), double.NaN);
    }
}
