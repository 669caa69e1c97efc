using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Model.Fused;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Evaluation;

/// <summary>Runs <see cref="DiscreteBound"/> and the relaxed training loss over a test set, batch by batch.</summary>
public sealed class Evaluator
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

    /// <summary>True when the run trained with the fused CPU pass: the relaxed loss then uses it too, so that it
    /// reproduces the run's own test loss (the graph's agrees only to float rounding).</summary>
    public bool Fused { get; init; }

    /// <summary>Called with (images done, images in all) after each batch.</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>Checked before each batch and between chunks of samples; when true, <see cref="Run"/> throws <see cref="OperationCanceledException"/>.</summary>
    public Func<bool>? StopRequested { get; init; }

    public sealed record Result(EvaluationReport.Estimate Elbo, EvaluationReport.Estimate ImportanceWeighted, double Kl, EvaluationReport.RelaxedLoss Relaxed);

    public Result Run(MnistDataset test, double temperature, GradientEstimator estimator)
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
        var previousGenerator = Model.Sampler.Generator;
        (double previousTemperature, var previousEstimator) = (Model.Sampler.Temperature, Model.Estimator);
        Model.Sampler.Generator = relaxedNoise;
        Model.Sampler.Temperature = temperature;
        Model.Estimator = GradientEstimators.For(estimator);
        using var fused = Fused && Model.Estimator.Fused is { } code && FusedVae.Supports(Model)
            ? new FusedVae(Model, code, Math.Max(1, Math.Min(ImagesPerBatch, test.Count)), NoFaults.Instance)
            : null;
        try
        {
            using var _ = no_grad();
            for (int offset = 0, batch = Math.Min(ImagesPerBatch, test.Count); offset < test.Count; offset += Math.Min(batch, test.Count - offset))
            {
                if (StopRequested?.Invoke() == true)
                    throw new OperationCanceledException($"stopped after {offset} of {test.Count} images");
                using var scope = NewDisposeScope();
                int length = Math.Min(ImagesPerBatch, test.Count - offset);
                var x = test.Slice(offset, length).to(Device);
                Tensor e, w, kl;
                try
                {
                    (e, w, kl) = DiscreteBound.Estimate(Model, x, Samples, boundNoise, stopRequested: StopRequested);
                }
                catch (OperationCanceledException)
                {
                    throw new OperationCanceledException($"stopped after {offset} of {test.Count} images, during the next batch");
                }
                e.cpu().data<double>().CopyTo(elbo, offset);
                w.cpu().data<double>().CopyTo(iw, offset);
                klSum += kl.sum().ToDouble();

                if (fused != null)
                {
                    var (bce, klMean) = fused.Forward(x, temperature, relaxedNoise, forTraining: false);
                    sums.Add(bce + klMean, bce, klMean, length);
                }
                else
                {
                    var (reconstruction, posterior) = Model.forward(x);
                    using var loss = VaeLoss.Compute(reconstruction, x, posterior, Model.Categories);
                    sums.Add(loss.Total.ToDouble(), loss.Bce.ToDouble(), loss.Kl.ToDouble(), length);
                }
                Progress?.Invoke(offset + length, test.Count);
            }
        }
        finally
        {
            Model.Sampler.Generator = previousGenerator;
            (Model.Sampler.Temperature, Model.Estimator) = (previousTemperature, previousEstimator);
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
