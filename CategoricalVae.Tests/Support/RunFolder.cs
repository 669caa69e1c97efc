using System.Security.Cryptography;
using CategoricalVae.Runs;

namespace CategoricalVae.Tests;

public static class RunFolder
{
    public static string Single(string runsDir) => Directory.GetDirectories(runsDir).Single();

    /// <summary>The loss columns of metrics.csv (everything but the timing columns).</summary>
    public static List<double[]> LossColumns(string run) =>
        MetricsCsv.Read(Path.Combine(run, RunLayout.MetricsName))
            .Select(m => new[] { m.Epoch, m.GlobalStep, m.Temperature, m.TrainLoss, m.TrainBce, m.TrainKl, m.TestLoss, m.TestBce, m.TestKl })
            .ToList();

    public static IReadOnlyList<EpochMetrics> Rows(string run) => MetricsCsv.Read(Path.Combine(run, RunLayout.MetricsName));

    /// <summary>Every file's name and SHA-256: equal fingerprints mean nothing in the folder changed.</summary>
    public static string Fingerprint(string folder) => string.Join("\n", Directory.GetFiles(folder).Order(StringComparer.Ordinal)
        .Select(f => $"{Path.GetFileName(f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));
}
