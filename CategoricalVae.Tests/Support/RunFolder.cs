using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Tests;

public static class RunFolder
{
    public static string Single(string runsDir) => Directory.GetDirectories(runsDir).Single();

    /// <summary>The loss columns of metrics.csv (everything but the timing columns).</summary>
    public static List<double[]> LossColumns(string run) =>
        MetricsCsv.Read(Path.Combine(run, "metrics.csv"))
            .Select(m => new[] { m.Epoch, m.GlobalStep, m.Temperature, m.TrainLoss, m.TrainBce, m.TrainKl, m.TestLoss, m.TestBce, m.TestKl })
            .ToList();

    public static IReadOnlyList<EpochMetrics> Rows(string run) => MetricsCsv.Read(Path.Combine(run, "metrics.csv"));
}
