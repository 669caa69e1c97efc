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
    /// distance two unbiased means would show from sampling alone, √((Var_e + Var_sf)/draws). Bias is measured against
    /// the exact gradient when one was asked for.</summary>
    public sealed record Figure(GradientEstimator Estimator, double TotalVariance, double MeanNorm, double DistanceToScoreFunction, double NoiseFloor,
        BiasEstimate.Figures? Bias = null);

    /// <param name="ExactNorm">‖g*‖ when the exact gradient was computed, else null.</param>
    public sealed record Result(IReadOnlyList<Figure> Figures, long Parameters, double? ExactNorm = null);

    /// <summary>How to measure: τ of the relaxed estimators' samples (the run's at its checkpoint), the draws per
    /// estimator and their seed, whether to go through the autograd graph rather than the passes a run trains with,
    /// the estimators' own settings, and whether to compute the exact gradient and each estimator's bias.</summary>
    public sealed record Request(double Temperature, int Draws, long Seed, bool Autograd = false, EstimatorSettings? Settings = null, bool Exact = false);

    static readonly string[] EncoderLayers = ["fc1.", "fc2.", "fc3."];

    public static Result Measure(CategoricalVaeModel model, Tensor x, Request request, IReadOnlyList<GradientEstimator> estimators, Func<bool>? stopRequested = null)
    {
        var (temperature, draws, seed, autograd, settings, exactAsked) = request;
        if (draws < 2) throw new ArgumentOutOfRangeException(nameof(request), draws, "a variance needs at least two draws");
        var encoder = model.named_parameters().Where(p => EncoderLayers.Any(l => p.name.StartsWith(l, StringComparison.Ordinal))).Select(p => p.parameter).ToArray();
        long size = encoder.Sum(p => p.numel());
        using var exactScope = NewDisposeScope();
        var exact = exactAsked ? ExactGradient.Compute(model, x, encoder, stopRequested) : null;
        var biases = new Dictionary<GradientEstimator, BiasEstimate.Figures>();
        // The score-function mean is the reference for every distance, so it is measured whichever were asked for.
        var measured = estimators.Contains(GradientEstimator.ScoreFunction) ? estimators : [.. estimators, GradientEstimator.ScoreFunction];
        var moments = new Dictionary<GradientEstimator, (Tensor Mean, double Variance)>();
        using var tensors = NewDisposeScope();
        try
        {
            foreach (var kind in measured)
            {
                using var pass = VaePasses.For(model, GradientEstimators.For(kind, settings), (int)x.shape[0], autograd);
                using var noise = new Generator(SeedStreams.GeneratorSeed(seed, (int)kind + 1, SeedStreams.Stream.GradientVariance), x.device);
                var sum = zeros(size, float64, x.device);
                var sumSquares = zeros(size, float64, x.device);
                using var bias = exact is null ? null : new BiasEstimate(exact, draws);
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
                    bias?.Add(g);
                }
                var mean = sum / draws;
                if (bias != null)
                    biases[kind] = bias.Result(mean);
                // Clamped at 0: float rounding can leave a deterministic estimator's tiny negative variance.
                double variance = ((sumSquares - mean * mean * draws) / (draws - 1)).clamp_min(0).sum().ToDouble();
                moments[kind] = (mean, variance);
            }
            var reference = moments[GradientEstimator.ScoreFunction];
            var figures = estimators.Select(kind =>
            {
                var (mean, variance) = moments[kind];
                var figure = kind == GradientEstimator.ScoreFunction
                    ? new Figure(kind, variance, mean.norm().ToDouble(), 0, 0)
                    : new Figure(kind, variance, mean.norm().ToDouble(), (mean - reference.Mean).norm().ToDouble(), Math.Sqrt((variance + reference.Variance) / draws));
                return figure with { Bias = biases.GetValueOrDefault(kind) };
            }).ToList();
            return new Result(figures, size, exact?.norm().ToDouble());
        }
        finally
        {
            model.zero_grad();
        }
    }
}
