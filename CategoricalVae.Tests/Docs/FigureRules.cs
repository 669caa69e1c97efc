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
        "model", "mode", "estimator", "setting", "precision", "run", "files", "file", "logit ReLU", "configuration", "phase", "trained on", "pass", "epoch",
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

    /// <summary>The row's `evaluate` reports: files named …-evaluation.json (a run's own report, published).</summary>
    static IReadOnlyList<ResultFile> Evaluations(Row r) => r.Named(@"-evaluation\.json$");

    static IReadOnlyList<ResultFile> Metrics(Row r) => r.Files.Where(f => f.Name.EndsWith("metrics.csv", StringComparison.Ordinal)).ToList();

    static double LastRow(ResultFile metrics, string column) => metrics.Csv(metrics.Rows[^1], column);

    /// <summary>Figures quoted from a paper (docs/results/paper/), not measured here.</summary>
    static IReadOnlyList<ResultFile> Paper(Row r) => r.Named(@"^jang2017-");

    /// <summary>The rules, by column header: these, the estimator pages' and the benchmarks'.</summary>
    public static readonly Dictionary<string, Func<Row, string>> ByHeader =
        new[] { Runs, EstimatorRules.ByHeader, BenchRules.ByHeader }.SelectMany(d => d).ToDictionary(p => p.Key, p => p.Value);

    static Dictionary<string, Func<Row, string>> Runs => new()
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
        ["dead latents"] = r => Latents(Metrics(r), "dead_latents"),
        ["epochs (steps)"] = r => Evaluations(r) is [var one] ? $"{one.Number("epochs_completed").ToString(I)} ({one.Number("global_step").ToString(I)})" : "",
        ["τ at the end"] = r => Evaluations(r) is [var one] ? F(one.Number("relaxed.temperature"), 3) : "",
        ["−ELBO on grey levels (m = 100)"] = r => r.Named(@"-evaluation-grey-m100\.json$") is [var grey] ? F(grey.Number("negative_elbo")) : "",
        ["PyTorch original, 4 seeds (lowest–highest)"] = r => OriginalBand(r),
        ["this port, fused pass (the default)"] = r => PortTestLoss(r, "fused"),
        ["with `--autograd`"] = r => PortTestLoss(r, "autograd"),
        ["with bfloat16 products"] = r => PortTestLoss(r, "bf16"),
        ["this port, 4 seeds (lowest–highest)"] = r => PortBand(r),
    };

    /// <summary>The test loss of the row's epoch in the port's parity run of the given kind (parity/&lt;kind&gt;-&lt;mode&gt;-metrics.csv).</summary>
    static string PortTestLoss(Row r, string kind)
    {
        var file = r.Named($@"^{kind}-{Mode(r)}-metrics\.csv$").Single();
        int epoch = int.Parse(r.Cells["epoch"], I);
        return F(file.Csv(file.Rows[epoch - 1], "test_loss"));
    }

    /// <summary>The lowest and highest test loss of the row's epoch over the PyTorch original's seeds.</summary>
    static string OriginalBand(Row r) =>
        FourSeedBand(r, $@"^original-{Mode(r)}-seed\d+\.json$", (f, epoch) => f.Number($"epochs.{epoch - 1}.test_loss"));

    /// <summary>The same over the port's fused runs: seed 2020's (fused-&lt;mode&gt;-metrics.csv) and the others'
    /// (fused-&lt;mode&gt;-seedN-metrics.csv).</summary>
    static string PortBand(Row r) =>
        FourSeedBand(r, $@"^fused-{Mode(r)}(-seed\d+)?-metrics\.csv$", (f, epoch) => f.Csv(f.Rows[epoch - 1], "test_loss"));

    static string FourSeedBand(Row r, string pattern, Func<ResultFile, int, double> testLoss)
    {
        var files = r.Named(pattern);
        if (files.Count != 4)
            throw new InvalidOperationException($"the column names 4 seeds, the row links {files.Count}");
        int epoch = int.Parse(r.Cells["epoch"], I);
        var losses = files.Select(f => testLoss(f, epoch)).ToList();
        return $"{F(losses.Min())}–{F(losses.Max())}";
    }

    static string Mode(Row r) => r.Cells["mode"] switch { "soft" => "soft", "hard" => "hard", var m => throw new InvalidOperationException($"mode {m}") };

    /// <summary>A latent count at the last epoch: the figure of one run, or the mean with each run's in brackets.</summary>
    static string Latents(IReadOnlyList<ResultFile> metrics, string column)
    {
        var values = metrics.Select(m => (int)LastRow(m, column)).ToList();
        return values.Distinct().Count() switch { 0 => "", 1 => values[0].ToString(I), _ => $"{F(values.Average(), 1)} ({string.Join(", ", values)})" };
    }

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
