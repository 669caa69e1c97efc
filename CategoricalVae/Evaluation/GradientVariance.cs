using CategoricalVae.Common;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Evaluation;

/// <summary>
/// The spread of each estimator's encoder-gradient estimate at fixed weights and a fixed batch, over many draws of
/// the sampling noise: the figure estimator papers report. Works on the encoder's parameters (fc1–fc3) only, the
/// ones the estimators differ on.
/// </summary>
public static class GradientVariance
{
    /// <summary>One estimator's figures. TotalVariance is Σ over encoder parameters of the variance across draws;
    /// DistanceToScoreFunction is ‖mean − score-function mean‖, a bias indicator to be read against NoiseFloor, the
    /// distance two unbiased means would show from sampling alone, √((Var_e + Var_sf)/draws).</summary>
    public sealed record Figure(GradientEstimator Estimator, double TotalVariance, double MeanNorm, double DistanceToScoreFunction, double NoiseFloor);

    public sealed record Result(IReadOnlyList<Figure> Figures, long Parameters);

    static readonly string[] EncoderLayers = ["fc1.", "fc2.", "fc3."];

    /// <param name="temperature">τ of the relaxed estimators' samples (the run's at its checkpoint).</param>
    /// <param name="autograd">Measure through the autograd graph rather than the passes a run trains with.</param>
    public static Result Measure(CategoricalVaeModel model, Tensor x, double temperature, int draws, long seed, IReadOnlyList<GradientEstimator> estimators,
        bool autograd = false, Func<bool>? stopRequested = null)
    {
        if (draws < 2) throw new ArgumentOutOfRangeException(nameof(draws), draws, "a variance needs at least two draws");
        var encoder = model.named_parameters().Where(p => EncoderLayers.Any(l => p.name.StartsWith(l, StringComparison.Ordinal))).Select(p => p.parameter).ToArray();
        long size = encoder.Sum(p => p.numel());
        // The score-function mean is the reference for every distance, so it is measured whichever were asked for.
        var measured = estimators.Contains(GradientEstimator.ScoreFunction) ? estimators : [.. estimators, GradientEstimator.ScoreFunction];
        var moments = new Dictionary<GradientEstimator, (Tensor Mean, double Variance)>();
        using var tensors = NewDisposeScope();
        try
        {
            foreach (var kind in measured)
            {
                using var pass = VaePasses.For(model, GradientEstimators.For(kind), (int)x.shape[0], autograd);
                using var noise = new Generator(SeedStreams.GeneratorSeed(seed, (int)kind + 1, SeedStreams.Stream.GradientVariance), x.device);
                var sum = zeros(size, float64, x.device);
                var sumSquares = zeros(size, float64, x.device);
                for (int d = 0; d < draws; d++)
                {
                    if (stopRequested?.Invoke() == true)
                        throw new OperationCanceledException($"stopped during {GradientEstimators.Name(kind)}");
                    using var scope = NewDisposeScope();
                    pass.Forward(x, temperature, noise, forTraining: true);
                    pass.Backward();
                    var g = cat(encoder.Select(p => p.grad!.flatten()).ToArray()).to(float64);
                    sum.add_(g);
                    sumSquares.add_(g * g);
                }
                var mean = sum / draws;
                // Clamped at 0: float rounding can leave a deterministic estimator's tiny negative variance.
                double variance = ((sumSquares - mean * mean * draws) / (draws - 1)).clamp_min(0).sum().ToDouble();
                moments[kind] = (mean, variance);
            }
            var reference = moments[GradientEstimator.ScoreFunction];
            var figures = estimators.Select(kind =>
            {
                var (mean, variance) = moments[kind];
                return kind == GradientEstimator.ScoreFunction
                    ? new Figure(kind, variance, mean.norm().ToDouble(), 0, 0)
                    : new Figure(kind, variance, mean.norm().ToDouble(), (mean - reference.Mean).norm().ToDouble(), Math.Sqrt((variance + reference.Variance) / draws));
            }).ToList();
            return new Result(figures, size);
        }
        finally
        {
            model.zero_grad();
        }
    }
}
