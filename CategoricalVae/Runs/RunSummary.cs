using System.Text.Json;
using CategoricalVae.Evaluation;
using CategoricalVae.Training;

namespace CategoricalVae.Runs;

/// <summary>One run folder as `compare` sees it: what its metrics say, and what was odd about it.</summary>
public sealed record RunSummary(
    string Name,
    string Path,
    string Mode,
    IReadOnlyList<EpochMetrics> Rows,
    IReadOnlyList<string> Notes,
    EvaluationReport? Evaluation = null)
{
    public int EpochsDone => Rows.Count;
    public double? TemperatureAtEnd => Rows.Count > 0 ? Rows[^1].Temperature : null;
    public double? FinalTrainLoss => Rows.Count > 0 ? Rows[^1].TrainLoss : null;
    public double TotalSeconds => Rows.Sum(r => r.EpochSeconds);
    public double? ExamplesPerSecond => Rows.Count > 0 ? Rows.Average(r => r.ExamplesPerSecond) : null;

    public double? Final(CompareMetric metric) => Rows.Count > 0 ? metric.Of(Rows[^1]) : null;

    public (double Value, int Epoch)? Best(CompareMetric metric) =>
        Rows.Count > 0 ? Rows.Select(r => (metric.Of(r), r.Epoch)).MinBy(p => p.Item1) : null;

    /// <summary>Reads a run folder; null when the folder is not a run at all (no config.json, metrics.csv
    /// or checkpoint.bin).</summary>
    public static RunSummary? Load(string folder)
    {
        string config = System.IO.Path.Combine(folder, "config.json");
        string metrics = System.IO.Path.Combine(folder, "metrics.csv");
        string checkpoint = System.IO.Path.Combine(folder, "checkpoint.bin");
        if (!File.Exists(config) && !File.Exists(metrics) && !File.Exists(checkpoint))
            return null;

        var notes = new List<string>();
        string mode = ModeFromConfig(config, notes);
        MetricsFile file = MetricsCsv.ReadWithNotes(metrics);
        notes.AddRange(file.Notes);
        if (File.Exists(System.IO.Path.Combine(folder, RunDirectory.LockFileName)))
            notes.Add("in progress or crashed (run.lock present)");
        string name = System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(folder));
        var evaluation = EvaluationFrom(System.IO.Path.Combine(folder, "evaluation.json"), notes);
        return new RunSummary(name, System.IO.Path.GetFullPath(folder), mode, file.Rows, notes, evaluation);
    }

    /// <summary>The run's evaluation.json (written by `evaluate`), if any.</summary>
    static EvaluationReport? EvaluationFrom(string path, List<string> notes)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            var report = EvaluationReport.FromJson(File.ReadAllText(path));
            // Bounds from grey pixels or few samples are not comparable with the others in the table.
            if (report.Likelihood != "bernoulli")
                notes.Add("evaluated on grey levels (BCE, not a likelihood)");
            if (report.Samples != 1000)
                notes.Add($"nll from m={report.Samples}");
            return report;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            notes.Add("evaluation.json unreadable");
            return null;
        }
    }

    static string ModeFromConfig(string path, List<string> notes)
    {
        if (!File.Exists(path))
        {
            notes.Add("no config.json");
            return "?";
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("options").GetProperty("hard").GetBoolean() ? "hard" : "soft";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            notes.Add("config.json unreadable");
            return "?";
        }
    }
}
