namespace CategoricalVae.Training;

/// <summary>Seconds of one epoch spent training, evaluating, and writing pictures, metrics, checkpoint and events.</summary>
public sealed record EpochTimings(double TrainSeconds, double EvalSeconds, double ExamplesPerSecond, double ArtifactSeconds);
