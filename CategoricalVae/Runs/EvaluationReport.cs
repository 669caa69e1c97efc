using System.Text.Json;

namespace CategoricalVae.Runs;

/// <summary>evaluation.json: what was evaluated, how, and the numbers (nats per test image).</summary>
public sealed record EvaluationReport
{
    /// <summary>The run folder's name (reports are kept beside runs and in the docs, so no machine's path).</summary>
    public required string Run { get; init; }

    /// <summary>The commit of the program that wrote this file, when it ran from a git checkout.</summary>
    public string? GitCommit { get; init; }
    public required string Checkpoint { get; init; }
    public required int EpochsCompleted { get; init; }
    public required long GlobalStep { get; init; }

    /// <summary>The SHA-256 the evaluated checkpoint ends with: `compare` marks the figures stale once the run's
    /// checkpoint has moved on. Absent in files of older versions.</summary>
    public string? CheckpointSha256 { get; init; }
    public required string Mode { get; init; }

    /// <summary>The run's gradient estimator (absent in files of older versions).</summary>
    public string? Estimator { get; init; }
    public required string Binarize { get; init; }
    public long? BinarizeSeed { get; init; }
    /// <summary>"bernoulli" for binary pixels; for grey levels the reconstruction term is minus the source's
    /// BCE, which is not a normalised likelihood, so the bounds are not comparable with binarised-MNIST papers.</summary>
    public required string Likelihood { get; init; }
    public required int TestExamples { get; init; }
    public required int Samples { get; init; }
    public required long Seed { get; init; }

    /// <summary>Mean over test images of the one-hot-sample ELBO (log p(x|z) averaged over the samples, KL analytic).</summary>
    public required Estimate DiscreteElbo { get; init; }
    public required Estimate ImportanceWeightedBound { get; init; }
    /// <summary>−importance_weighted_bound: the "NLL" figure of the Gumbel-Softmax paper's tables.</summary>
    public required double NegativeLogLikelihoodEstimate { get; init; }
    public required double NegativeElbo { get; init; }
    public required double KlToPrior { get; init; }

    /// <summary>The training objective on the test set with relaxed (or straight-through) samples at the
    /// checkpoint's temperature: not a bound, for reference only.</summary>
    public required RelaxedLoss Relaxed { get; init; }
    public required double Seconds { get; init; }
    public required DateTime WrittenUtc { get; init; }

    public sealed record Estimate(double Mean, double StandardError);

    public sealed record RelaxedLoss(double Temperature, double Loss, double Bce, double Kl);

    public string ToJson() => JsonSerializer.Serialize(this, RunConfig.Json);

    public static EvaluationReport FromJson(string json) =>
        JsonSerializer.Deserialize<EvaluationReport>(json, RunConfig.Json) ?? throw new JsonException("empty evaluation");
}
