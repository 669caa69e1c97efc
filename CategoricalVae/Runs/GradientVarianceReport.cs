using System.Text.Json;
using CategoricalVae.Common;

namespace CategoricalVae.Runs;

/// <summary>gradvar.json: per estimator, the spread of its encoder-gradient estimate at one checkpoint.</summary>
public sealed record GradientVarianceReport
{
    /// <summary>The run folder's name (reports are kept beside runs and in the docs, so no machine's path).</summary>
    public required string Run { get; init; }

    /// <summary>The commit of the program that wrote this file, when it ran from a git checkout.</summary>
    public string? GitCommit { get; init; }
    /// <summary>The checkpoint measured at: a file name in the run folder, or a full path (absent in older files).</summary>
    public string? Checkpoint { get; init; }
    public required int EpochsCompleted { get; init; }
    public required long GlobalStep { get; init; }
    public string? CheckpointSha256 { get; init; }
    public required double Temperature { get; init; }
    public required int TestImages { get; init; }
    public required int Draws { get; init; }
    public required long EncoderParameters { get; init; }

    /// <summary>‖g*‖, the norm of the exact encoder gradient, when gradvar enumerated the codes (--exact); else null.</summary>
    public double? ExactGradientNorm { get; init; }
    public required List<Row> Estimators { get; init; }

    /// <summary>The total variance gradvar.json records for <paramref name="estimator"/> in <paramref name="runDir"/>, if any.</summary>
    public static double? OwnVariance(string runDir, string estimator)
    {
        string path = new RunLayout(runDir).GradientVarianceFile;
        try
        {
            if (!File.Exists(path)) return null;
            var report = JsonSerializer.Deserialize<GradientVarianceReport>(RegularFile.ReadAllText(path), RunConfig.Json);
            return report?.Estimators?.FirstOrDefault(r => r.Estimator == estimator)?.TotalVariance;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    public sealed record Row
    {
        public required string Estimator { get; init; }
        /// <summary>Σ over encoder parameters of the variance of the gradient estimate across draws.</summary>
        public required double TotalVariance { get; init; }
        public required double MeanNorm { get; init; }
        public required double DistanceToScoreFunctionMean { get; init; }
        /// <summary>√((Var + Var_score_function)/draws): the distance two unbiased means show from sampling alone.</summary>
        public required double NoiseFloor { get; init; }

        /// <summary>With --exact: (‖mean − g*‖² − tr(Σ̂)/draws)/‖g*‖², an unbiased estimate of the squared bias relative to
        /// the exact gradient's squared norm (zero within its error for an unbiased estimator).</summary>
        public double? RelativeSquaredBias { get; init; }

        /// <summary>Its standard error: the delete-a-group jackknife over 20 groups of consecutive draws.</summary>
        public double? RelativeSquaredBiasStandardError { get; init; }

        /// <summary>cos(mean, g*).</summary>
        public double? CosineToExact { get; init; }
    }
}
