using System.Globalization;

namespace CategoricalVae.Tests.Docs;

/// <summary>The columns of docs/estimators.md's tables: the comparison's per-seed gradvar.json (each member's own
/// estimator) and the bias table's gradvar --exact files (every estimator at one kept checkpoint per file).</summary>
static class EstimatorRules
{
    static readonly CultureInfo I = CultureInfo.InvariantCulture;

    /// <summary>Three significant figures: variances and relative biases span decades.</summary>
    public static string G(double value) => value.ToString("G3", I);

    static string MeanSd(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            throw new InvalidOperationException("the row links no file for this column");
        if (values.Count == 1)
            return G(values[0]);
        double mean = values.Average();
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return $"{G(mean)} ± {G(sd)}";
    }

    /// <summary>The estimator a row is about: the first name in its label ("`reinmax`, τ = 1" is reinmax).</summary>
    static string Estimator(FigureRules.Row r) => System.Text.RegularExpressions.Regex.Match(r.Cells["estimator"], "[a-z][a-z-]*").Value;

    /// <summary>The row's estimator's record in a gradvar report.</summary>
    static ResultFile.Record Record(ResultFile report, string estimator)
    {
        int count = report.Json("estimators").GetArrayLength();
        for (int i = 0; i < count; i++)
            if (report.Json($"estimators.{i}.estimator").GetString() == estimator)
                return new ResultFile.Record(report, $"estimators.{i}");
        throw new InvalidOperationException($"{report.Name} has no record of {estimator}");
    }

    /// <summary>The exact-gradient reports of the row at one epoch: files named …-gradvar-epoch-N.json.</summary>
    static IReadOnlyList<ResultFile> ReportsAtEpoch(FigureRules.Row r, int epoch) => r.Named($@"-gradvar-epoch-{epoch}\.json$");

    /// <summary>A figure of the row's estimator at one epoch, mean ± sd over the files of that epoch.</summary>
    static string AtEpoch(FigureRules.Row r, int epoch, Func<ResultFile, ResultFile.Record, double> figure) =>
        MeanSd(ReportsAtEpoch(r, epoch).Select(f => figure(f, Record(f, Estimator(r)))).ToList());

    static IReadOnlyList<double> OwnVariances(FigureRules.Row r) =>
        r.Named(@"-gradvar\.json$").Select(f => Record(f, f.Json("estimators.0.estimator").GetString()!).Number("total_variance")).ToList();

    static string SecondsPerEpoch(FigureRules.Row r)
    {
        var metrics = r.Files.Where(f => f.Name.EndsWith("metrics.csv", StringComparison.Ordinal)).ToList();
        return FigureRules.F(metrics.SelectMany(m => m.Rows.Select(row => m.Csv(row, "epoch_seconds"))).Average(), 1);
    }

    /// <summary>The epochs whose kept checkpoints the bias table may name in its headers.</summary>
    static readonly int[] KeptEpochs = [1, 10, 50];

    public static readonly Dictionary<string, Func<FigureRules.Row, string>> ByHeader = Rules();

    static Dictionary<string, Func<FigureRules.Row, string>> Rules()
    {
        var rules = new Dictionary<string, Func<FigureRules.Row, string>>
        {
            ["encoder-gradient variance, its own estimator"] = r => MeanSd(OwnVariances(r)),
            ["s per epoch"] = SecondsPerEpoch,
        };
        foreach (int e in KeptEpochs)
        {
            rules[$"relative squared bias, epoch {e}"] = r => AtEpoch(r, e, (_, record) => record.Number("relative_squared_bias"));
            // tr(Σ)/‖g*‖²: the variance on the same scale as the relative squared bias.
            rules[$"relative variance, epoch {e}"] = r =>
                AtEpoch(r, e, (f, record) => record.Number("total_variance") / Math.Pow(f.Number("exact_gradient_norm"), 2));
            rules[$"cosine to exact, epoch {e}"] = r => AtEpoch(r, e, (_, record) => record.Number("cosine_to_exact"));
        }
        return rules;
    }
}
