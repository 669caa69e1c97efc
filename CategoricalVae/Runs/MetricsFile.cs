namespace CategoricalVae.Runs;

/// <summary>What could be read from a metrics.csv, and what was odd about it. <paramref name="Damaged"/> is set
/// when part of the file could not be read (a torn or unreadable line, missing columns); notes about a missing
/// file or an unknown column are not damage.</summary>
public sealed record MetricsFile(IReadOnlyList<EpochMetrics> Rows, IReadOnlyList<string> Notes, bool Damaged = false);
