using System.Text.Json;
using CategoricalVae.Common;

namespace CategoricalVae.Runs;

/// <summary>One run folder as `compare` sees it: what its metrics say, and what was odd about it.
/// <paramref name="Evaluation"/> is null when there is none or when it no longer matches the checkpoint.</summary>
public sealed record RunSummary(
    string Name,
    string Path,
    string Estimator,
    IReadOnlyList<EpochMetrics> Rows,
    IReadOnlyList<string> Notes,
    EvaluationReport? Evaluation = null,
    string Precision = "fp32")
{
    public int EpochsDone => Rows.Count;
    public double? TemperatureAtEnd => Rows.Count > 0 ? Rows[^1].Temperature : null;
    public double? FinalTrainLoss => Rows.Count > 0 ? Rows[^1].TrainLoss : null;
    public double TotalSeconds => Rows.Sum(r => r.EpochSeconds);
    public double? ExamplesPerSecond => Rows.Count > 0 ? Rows.Average(r => r.ExamplesPerSecond) : null;

    /// <summary>Active latents at the last epoch (−1 in files written before the column existed).</summary>
    public int? ActiveLatents => Rows.Count > 0 ? Rows[^1].ActiveLatents : null;

    public double? Final(CompareMetric metric) => Rows.Count > 0 ? metric.Of(Rows[^1]) : null;

    public (double Value, int Epoch)? Best(CompareMetric metric) =>
        Rows.Count > 0 ? Rows.Select(r => (metric.Of(r), r.Epoch)).MinBy(p => p.Item1) : null;

    /// <summary>Reads a run folder; null when the folder is not a run at all (no config.json, metrics.csv or
    /// checkpoint.bin).</summary>
    public static RunSummary? Load(string folder)
    {
        var layout = new RunLayout(folder);
        if (!layout.LooksLikeRun)
            return null;

        var notes = new List<string>();
        var (estimator, precision) = FromConfig(layout.ConfigFile, notes);
        MetricsFile file = MetricsCsv.ReadWithNotes(layout.MetricsFile);
        notes.AddRange(file.Notes);
        int[] epochs = file.Rows.Select(r => r.Epoch).ToArray();
        if (!epochs.SequenceEqual(Enumerable.Range(1, epochs.Length)))
            notes.Add($"metrics.csv rows are not epochs 1…{epochs.Length} in order ({string.Join(" ", epochs.Take(12))}{(epochs.Length > 12 ? " …" : "")}): figures may be wrong");
        if (RunDirectory.LiveOwner(folder) is { } owner)
            notes.Add($"in progress ({owner.Describe()})");
        else if (File.Exists(layout.LockFile))
            notes.Add("crashed or killed (stale run.lock)");
        var evaluation = EvaluationFrom(layout, file.Rows, notes);
        return new RunSummary(layout.Name, System.IO.Path.GetFullPath(folder), estimator, file.Rows, notes, evaluation, precision);
    }

    /// <summary>The run's evaluation.json (written by `evaluate`) if it belongs to the run's current checkpoint.</summary>
    static EvaluationReport? EvaluationFrom(RunLayout layout, IReadOnlyList<EpochMetrics> rows, List<string> notes)
    {
        if (!File.Exists(layout.EvaluationFile))
            return null;
        EvaluationReport report;
        try
        {
            report = EvaluationReport.FromJson(RegularFile.ReadAllText(layout.EvaluationFile));
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            notes.Add(e is IOException ? $"unreadable: {e.Message}" : "evaluation.json unreadable");
            return null;
        }
        // Figures of an earlier checkpoint describe a model the run no longer has: name them, do not show them.
        string? current = Checkpoint.StoredHash(layout.CheckpointFile);
        bool stale = report.CheckpointSha256 != null
            ? current != null && current != report.CheckpointSha256
            : rows.Count > 0 && rows[^1].Epoch != report.EpochsCompleted;
        if (stale)
        {
            int now = rows.Count > 0 ? rows[^1].Epoch : 0;
            notes.Add($"evaluation.json is of epoch {report.EpochsCompleted}, not of the current checkpoint (epoch {now}): run evaluate again");
            return null;
        }
        // Bounds from grey pixels or few samples are not comparable with the others in the table.
        if (report.Likelihood != "bernoulli")
            notes.Add("evaluated on grey levels (BCE, not a likelihood)");
        if (report.Samples != 1000)
            notes.Add($"nll from m={report.Samples}");
        return report;
    }

    /// <summary>The run's estimator and the precision of its products, from its config.json ("?" where unreadable).</summary>
    static (string Estimator, string Precision) FromConfig(string path, List<string> notes)
    {
        if (!File.Exists(path))
        {
            notes.Add("no config.json");
            return ("?", "?");
        }
        try
        {
            using var doc = JsonDocument.Parse(RegularFile.ReadAllText(path));
            var options = doc.RootElement.GetProperty("options");
            // Folders written before bfloat16 products existed trained in float32.
            string precision = options.TryGetProperty("precision", out var p) ? p.GetString() ?? "?" : "fp32";
            if (options.TryGetProperty("estimator", out var estimator))
                return (Model.Estimators.GradientEstimators.Parse(estimator.GetString() ?? "") is { } kind ? Model.Estimators.GradientEstimators.Name(kind) : "?", precision);
            // Folders written before estimators were a choice say only hard or not.
            return (Model.Estimators.GradientEstimators.Name(options.GetProperty("hard").GetBoolean()
                ? Model.Estimators.GradientEstimator.StGumbelSoftmax : Model.Estimators.GradientEstimator.GumbelSoftmax), precision);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            notes.Add(e is IOException ? $"unreadable: {e.Message}" : "config.json unreadable");
            return ("?", "?");
        }
    }
}
