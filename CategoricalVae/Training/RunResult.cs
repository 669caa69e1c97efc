using CategoricalVae.Runs;

namespace CategoricalVae.Training;

/// <summary>How a run started or resumed through <see cref="RunLauncher"/> ended, and where it lives.</summary>
public sealed record RunResult(TrainingOutcome Outcome, string RunPath, EpochMetrics? LastEpoch);
