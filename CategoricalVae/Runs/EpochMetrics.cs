namespace CategoricalVae.Runs;

/// <summary>One row of metrics.csv. Losses are means per example.</summary>
public sealed record EpochMetrics(
    int Epoch,
    long GlobalStep,
    double Temperature,
    double TrainLoss,
    double TrainBce,
    double TrainKl,
    double TestLoss,
    double TestBce,
    double TestKl,
    double EpochSeconds,
    double ExamplesPerSecond,
    double LatentPerplexity = double.NaN,
    int DeadLatents = -1,
    int ActiveLatents = -1);
