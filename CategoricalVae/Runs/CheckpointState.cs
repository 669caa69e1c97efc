using System.Text.Json.Serialization;
using CategoricalVae.Model.Estimators;

namespace CategoricalVae.Runs;

/// <summary>Where training stands when a checkpoint is written, beside the weights and optimizer moments.</summary>
public sealed record CheckpointState
{
    /// <summary>Epochs whose metrics row is written.</summary>
    public int EpochsCompleted { get; init; }

    /// <summary>Batches already done in epoch EpochsCompleted + 1 (non-zero only after Ctrl+C mid-epoch).</summary>
    public int BatchesDoneInEpoch { get; init; }

    public long GlobalStep { get; init; }
    public double Temperature { get; init; }

    /// <summary>Partial sums of the interrupted epoch, so its metrics row comes out as if uninterrupted.</summary>
    public double PartialLoss { get; init; }
    public double PartialBce { get; init; }
    public double PartialKl { get; init; }
    public long PartialExamples { get; init; }
    public double PartialSeconds { get; init; }

    /// <summary>State of the training-noise generator mid-epoch (empty at an epoch boundary).</summary>
    public byte[] NoiseGeneratorState { get; init; } = [];

    public int LatentDim { get; init; }
    public int Categories { get; init; }
    public bool Hard { get; init; }

    /// <summary>Absent from checkpoints written before estimators were a choice: those are soft or hard.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<GradientEstimator>))]
    public GradientEstimator? Estimator { get; init; }

    [JsonIgnore]
    public GradientEstimator EffectiveEstimator => Estimator ?? (Hard ? GradientEstimator.StGumbelSoftmax : GradientEstimator.GumbelSoftmax);
    public DateTime WrittenUtc { get; init; }
}
