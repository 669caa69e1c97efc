using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Evaluation;

/// <summary>`evaluate`'s figures of a trained model over a test set, batch by batch: the discrete ELBO and the
/// importance-weighted bound (<see cref="IDiscreteBound"/>), and the relaxed training loss the run's own pass
/// computes.</summary>
public sealed class BoundEvaluation
{
    public required CategoricalVaeModel Model { get; init; }
    public required int Samples { get; init; }

    /// <summary>Seed of the one-hot samples of the bounds.</summary>
    public required long Seed { get; init; }

    /// <summary>Seed of the relaxed pass's noise. Given the run's evaluation stream for the checkpoint's epoch
    /// (and the run's batch size), the relaxed loss reproduces that epoch's test_loss in metrics.csv.</summary>
    public required ulong RelaxedNoiseSeed { get; init; }
    public int ImagesPerBatch { get; init; } = 100;
    public required Device Device { get; init; }

    /// <summary>True when the run trained through the autograd graph: the relaxed loss then does too, so that it
    /// reproduces the run's own test loss (the other pass agrees only to float rounding).</summary>
    public bool Autograd { get; init; }

    /// <summary>Called with (images done, images in all) after each batch.</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>Checked before each batch and between chunks of samples; when true, <see cref="Run"/> throws <see cref="OperationCanceledException"/>.</summary>
    public Func<bool>? StopRequested { get; init; }

    public sealed record Result(EvaluationReport.Estimate Elbo, EvaluationReport.Estimate ImportanceWeighted, double Kl, EvaluationReport.RelaxedLoss Relaxed);

    public Result Run(MnistDataset test, double temperature, IGradientEstimator estimator)
    {
        Model.eval();
        var elbo = new double[test.Count];
        var iw = new double[test.Count];
        double klSum = 0;
        // Separate streams, so the relaxed pass does not shift the one-hot samples (and vice versa).
        Device? generatorDevice = Device.type == DeviceType.CUDA ? Device : null;
        using var boundNoise = new Generator(SeedStreams.GeneratorSeed(Seed, 0, SeedStreams.Stream.Evaluation), generatorDevice);
        using var relaxedNoise = new Generator(RelaxedNoiseSeed, generatorDevice);
        var sums = new LossAccumulator();
        var bounds = VaePasses.Bounds(Model);
        using var relaxed = VaePasses.For(Model, estimator, Math.Max(1, Math.Min(ImagesPerBatch, test.Count)), Autograd);
        using var _ = no_grad();
        for (int offset = 0, batch = Math.Min(ImagesPerBatch, test.Count); offset < test.Count; offset += Math.Min(batch, test.Count - offset))
        {
            if (StopRequested?.Invoke() == true)
                throw new OperationCanceledException($"stopped after {offset} of {test.Count} images");
            using var scope = NewDisposeScope();
            int length = Math.Min(ImagesPerBatch, test.Count - offset);
            var x = test.Slice(offset, length).to(Device);
            DiscreteBounds b;
            try
            {
                b = bounds.Estimate(x, Samples, boundNoise, stopRequested: StopRequested);
            }
            catch (OperationCanceledException)
            {
                throw new OperationCanceledException($"stopped after {offset} of {test.Count} images, during the next batch");
            }
            b.Elbo.cpu().data<double>().CopyTo(elbo, offset);
            b.ImportanceWeighted.cpu().data<double>().CopyTo(iw, offset);
            klSum += b.Kl.sum().ToDouble();

            var loss = relaxed.Forward(x, temperature, relaxedNoise, forTraining: false);
            sums.Add(loss.Total, loss.Bce, loss.Kl, length);
            Progress?.Invoke(offset + length, test.Count);
        }
        var means = sums.Means;
        return new Result(Summarise(elbo), Summarise(iw), klSum / test.Count,
            new EvaluationReport.RelaxedLoss(temperature, means.Loss, means.Bce, means.Kl));
    }

    /// <summary>Mean and its standard error (sample standard deviation / √n) over test images.</summary>
    public static EvaluationReport.Estimate Summarise(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        if (values.Count < 2)
            return new(mean, double.NaN);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return new(mean, Math.Sqrt(variance / values.Count));
    }
}
