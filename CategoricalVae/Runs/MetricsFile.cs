using CategoricalVae.Training;

namespace CategoricalVae.Runs;

/// <summary>What could be read from a metrics.csv, and what was odd about it (for `compare`).</summary>
public sealed record MetricsFile(IReadOnlyList<EpochMetrics> Rows, IReadOnlyList<string> Notes);
