using System.Globalization;

namespace CategoricalVae.Tests.Docs;

/// <summary>
/// How each column of the results tables is computed from the files its row links (docs/results/…): a column's
/// header names its rule, and the rule picks the files it reads by their names. One file gives the figure itself
/// (with its standard error where the table prints one); several files, one per seed, give the mean and the sample
/// standard deviation, as printed. A header without a rule fails the test, so no figure goes unchecked.
/// </summary>
public static class FigureRules
{
    /// <summary>A table row: its cells by header, and the files it links.</summary>
    public sealed record Row(IReadOnlyDictionary<string, string> Cells, IReadOnlyList<ResultFile> Files)
    {
        /// <summary>The linked files whose name matches <paramref name="pattern"/> (a regular expression).</summary>
        public IReadOnlyList<ResultFile> Named(string pattern) =>
            Files.Where(f => System.Text.RegularExpressions.Regex.IsMatch(f.Name, pattern)).ToList();
    }

    /// <summary>Columns that label a row rather than report a figure.</summary>
    public static readonly HashSet<string> Labels =
    [
        "model", "mode", "estimator", "setting", "precision", "run", "files", "file", "logit ReLU", "configuration", "phase",
    ];

    static readonly CultureInfo I = CultureInfo.InvariantCulture;

    public static string F(double value, int decimals = 2) => value.ToString("F" + decimals, I);

    static double Mean(IEnumerable<double> values) => values.Average();

    static double Sd(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>"m ± e" from one file (value and its standard error) or "mean ± sd" over several.</summary>
    static string PlusMinus(IReadOnlyList<ResultFile> files, Func<ResultFile, double> value, Func<ResultFile, double> error) =>
        files.Count switch
        {
            0 => throw new InvalidOperationException("the row links no file for this column"),
            1 => $"{F(value(files[0]))} ± {F(error(files[0]))}",
            _ => $"{F(Mean(files.Select(value)))} ± {F(Sd(files.Select(value).ToList()))}",
        };

    /// <summary>The figure itself from one file, or mean ± sd over several.</summary>
    static string Plain(IReadOnlyList<ResultFile> files, Func<ResultFile, double> value, int decimals = 2) =>
        files.Count == 1 ? F(value(files[0]), decimals) : $"{F(Mean(files.Select(value)), decimals)} ± {F(Sd(files.Select(value).ToList()), decimals)}";

    static IReadOnlyList<ResultFile> Evaluations(Row r) => r.Files.Where(f => f.Name.Contains("evaluation", StringComparison.Ordinal)).ToList();

    static IReadOnlyList<ResultFile> Metrics(Row r) => r.Files.Where(f => f.Name.EndsWith("metrics.csv", StringComparison.Ordinal)).ToList();

    static double LastRow(ResultFile metrics, string column) => metrics.Csv(metrics.Rows[^1], column);

    /// <summary>Figures quoted from a paper (docs/results/paper/), not measured here.</summary>
    static IReadOnlyList<ResultFile> Paper(Row r) => r.Named(@"^jang2017-");

    /// <summary>The rules, by column header.</summary>
    public static readonly Dictionary<string, Func<Row, string>> ByHeader = new()
    {
        ["−ELBO (discrete)"] = r => Paper(r) is [var paper]
            ? F(paper.Number("negative_elbo"), 1)
            : PlusMinus(Evaluations(r), f => f.Number("negative_elbo"), f => f.Number("discrete_elbo.standard_error")),
        ["NLL estimate (−IW bound, m = 1000)"] = r => Nll(r, 1000),
        ["NLL estimate (m = 100)"] = r => Nll(r, 100),
        ["relaxed test loss"] = r => Evaluations(r).Count == 0 ? "" : Plain(Evaluations(r), f => f.Number("relaxed.loss")),
        ["active latents"] = r => Metrics(r).Count == 0 ? "" : ActiveLatents(Metrics(r)),
        ["seed"] = r => Evaluations(r) is [var one] ? one.Number("seed").ToString(I) : "",
        ["epochs"] = r => Evaluations(r).Select(f => f.Number("epochs_completed")).Distinct().Single().ToString(I),
    };

    static string Nll(Row r, int samples)
    {
        var files = Evaluations(r);
        if (files.Count == 0)
            return "";
        if (files.Any(f => f.Number("samples") != samples))
            throw new InvalidOperationException($"the column says m = {samples}, a file was evaluated with another m");
        return PlusMinus(files, f => f.Number("negative_log_likelihood_estimate"), f => f.Number("importance_weighted_bound.standard_error"));
    }

    /// <summary>"27/30" from one run's last metrics row, "25.3 (27, 23, 26)" over several.</summary>
    static string ActiveLatents(IReadOnlyList<ResultFile> metrics)
    {
        var values = metrics.Select(m => (int)LastRow(m, "active_latents")).ToList();
        return values.Count == 1 ? $"{values[0]}/30" : $"{F(values.Average(), 1)} ({string.Join(", ", values)})";
    }
}
