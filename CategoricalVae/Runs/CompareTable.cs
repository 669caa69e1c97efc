using System.Globalization;
using System.Text;

namespace CategoricalVae.Runs;

/// <summary>The `compare` table: one row per run, as aligned text or CSV.</summary>
public sealed class CompareTable
{
    public static readonly string[] SortKeys = ["best", "final", "name", "epochs", "time"];

    readonly CompareMetric _metric;

    public CompareTable(IEnumerable<RunSummary> runs, CompareMetric metric, string sort)
    {
        _metric = metric;
        Runs = sort switch
        {
            "final" => runs.OrderBy(r => r.Final(metric) ?? double.PositiveInfinity).ThenBy(r => r.Name, StringComparer.Ordinal).ToList(),
            "name" => runs.OrderBy(r => r.Name, StringComparer.Ordinal).ToList(),
            "epochs" => runs.OrderByDescending(r => r.EpochsDone).ThenBy(r => r.Name, StringComparer.Ordinal).ToList(),
            "time" => runs.OrderBy(r => r.TotalSeconds).ThenBy(r => r.Name, StringComparer.Ordinal).ToList(),
            _ => runs.OrderBy(r => r.Best(metric)?.Value ?? double.PositiveInfinity).ThenBy(r => r.Name, StringComparer.Ordinal).ToList(),
        };
    }

    public IReadOnlyList<RunSummary> Runs { get; }

    public string[] Header
    {
        get
        {
            string m = _metric.ColumnName();
            return ["run", "estimator", "precision", "epochs", "tau_end", $"final_{m}", $"best_{m}", "best_epoch", "final_train_loss", "total_seconds", "examples_per_second", "neg_elbo", "nll", "active_latents", "notes"];
        }
    }

    public IEnumerable<string[]> Cells() => Runs.Select(r =>
    {
        var best = r.Best(_metric);
        return new[]
        {
            r.Name, r.Estimator, r.Precision, r.EpochsDone.ToString(CultureInfo.InvariantCulture),
            N(r.TemperatureAtEnd, r.TemperatureAtEnd is >= 1e-3 and < 1e5 ? "F4" : "G4"), N(r.Final(_metric), "F2"), N(best?.Value, "F2"),
            best?.Epoch.ToString(CultureInfo.InvariantCulture) ?? "-", N(r.FinalTrainLoss, "F2"),
            r.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture), N(r.ExamplesPerSecond, "F0"),
            N(r.Evaluation?.NegativeElbo, "F2"), N(r.Evaluation?.NegativeLogLikelihoodEstimate, "F2"),
            r.ActiveLatents is int active and >= 0 ? active.ToString(CultureInfo.InvariantCulture) : "-",
            string.Join("; ", r.Notes),
        };
    });

    public string ToText()
    {
        var rows = Cells().Prepend(Header).ToList();
        int columns = Header.Length;
        int[] widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            // Numbers right-aligned, words left-aligned, notes last and unpadded.
            for (int c = 0; c < columns; c++)
            {
                bool numeric = c >= 3 && c < columns - 1;
                string cell = numeric ? row[c].PadLeft(widths[c]) : c == columns - 1 ? row[c] : row[c].PadRight(widths[c]);
                text.Append(cell);
                if (c < columns - 1) text.Append("  ");
            }
            text.Append('\n');
        }
        return string.Join("\n", text.ToString().Split('\n').Select(line => line.TrimEnd()));
    }

    public string ToCsv()
    {
        static string Quote(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
        var text = new StringBuilder();
        foreach (var row in Cells().Prepend(Header))
            text.Append(string.Join(",", row.Select(Quote))).Append('\n');
        return text.ToString();
    }

    static string N(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}
