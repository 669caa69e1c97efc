using System.Globalization;
using System.Text;
using CategoricalVae.Runs;

namespace CategoricalVae.Sweeps;

/// <summary>`compare` on a sweep: one row per configuration with mean ± sd over seeds, and each configuration's
/// difference to the best one (lowest mean final metric) with a 95 % Welch interval.</summary>
public sealed class SweepTable
{
    readonly CompareMetric _metric;

    public SweepTable(IEnumerable<SweepGroup> groups, CompareMetric metric)
    {
        _metric = metric;
        var list = groups.ToList();
        // The discrete −ELBO scores every estimator and temperature alike, where relaxed losses do not: rank by it
        // whenever every configuration has been evaluated.
        RanksByElbo = list.Count > 0 && list.All(g => g.NegativeElbos is { Count: > 0 });
        Groups = list.OrderBy(g => Ranked(g) is { Count: > 0 } v ? v.Average() : double.PositiveInfinity).ThenBy(g => g.Configuration, StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<SweepGroup> Groups { get; }

    /// <summary>True when configurations are ranked (and differenced) by the discrete −ELBO, else by the final metric.</summary>
    public bool RanksByElbo { get; }

    IReadOnlyList<double>? Ranked(SweepGroup g) => RanksByElbo ? g.NegativeElbos : g.Finals;

    public string[] Header
    {
        get
        {
            string m = _metric.ColumnName();
            return ["configuration", "seeds", $"final_{m}", $"final_{m}_sd", $"best_{m}", $"best_{m}_sd", "neg_elbo", "neg_elbo_sd", "nll", "nll_sd",
                "active_latents", "s_per_epoch", "grad_variance", "diff_to_best", "diff_ci95"];
        }
    }

    public IEnumerable<string[]> Cells()
    {
        var best = Groups.FirstOrDefault(g => Ranked(g) is { Count: > 0 });
        return Groups.Select(g =>
        {
            var (elbo, elboSd) = MeanSd(g.NegativeElbos);
            var (nll, nllSd) = MeanSd(g.Nlls);
            var (final, finalSd) = MeanSd(g.Finals);
            var (bestValue, bestSd) = MeanSd(g.Bests);
            var (active, _) = MeanSd(g.ActiveLatents);
            var (seconds, _) = MeanSd(g.SecondsPerEpoch);
            var (variance, _) = MeanSd(g.GradientVariances);
            double? diff = best != null && Ranked(g) is { Count: > 0 } mine ? mine.Average() - Ranked(best)!.Average() : null;
            double? ci = best == null || g == best || Ranked(g) is not { } values ? null : WelchInterval.HalfWidth(values, Ranked(best)!);
            return new[]
            {
                g.Configuration, g.Seeds.ToString(CultureInfo.InvariantCulture), N(final), N(finalSd), N(bestValue), N(bestSd), N(elbo), N(elboSd), N(nll), N(nllSd),
                N(active, "F1"), N(seconds, "F1"), variance is { } v ? v.ToString("G3", CultureInfo.InvariantCulture) : "-",
                g == best ? "best" : N(diff), ci is { } c ? "±" + N(c) : "-",
            };
        });
    }

    static (double?, double?) MeanSd(IReadOnlyList<double>? values) => values is { Count: > 0 }
        ? (values.Average(), values.Count > 1 ? Math.Sqrt(WelchInterval.Variance(values)) : null)
        : (null, null);

    static string N(double? v, string format = "F2") => v?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    public string ToText()
    {
        var rows = Cells().Prepend(Header).ToList();
        int[] widths = Enumerable.Range(0, Header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        string ranked = RanksByElbo ? "the discrete −ELBO (every member evaluated)" : $"the final {_metric.ColumnName()}";
        text.AppendLine("(mean and sample sd over seeds; active_latents, s_per_epoch and grad_variance (from each member's gradvar.json) are means;");
        text.AppendLine($" ranked by {ranked}; diff_to_best: its mean difference to the best configuration, with the half-width of its 95 % Welch interval)");
        return text.ToString();
    }

    public string ToCsv()
    {
        var text = new StringBuilder();
        foreach (var row in Cells().Prepend(Header))
            text.AppendLine(string.Join(',', row.Select(c => c.Replace("±", "", StringComparison.Ordinal).Replace(",", ";", StringComparison.Ordinal))));
        return text.ToString();
    }
}
