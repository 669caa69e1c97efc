using System.Globalization;

namespace CategoricalVae.Tests.Docs;

/// <summary>The columns of docs/performance.md's and docs/sweeps.md's tables: one `bench --json` report per row, or
/// the pairs sweep-split.sh wrote as CSV. Ratios are the ones the report computed (the median of per-repeat ratios
/// where the header says so), never re-divided from rounded figures.</summary>
static class BenchRules
{
    static readonly CultureInfo I = CultureInfo.InvariantCulture;

    static ResultFile Bench(FigureRules.Row r) => r.Named(@"^bench.*\.json$").Single();

    static string Ms(FigureRules.Row r, string path) => FigureRules.F(Bench(r).Number(path));

    static string Times(FigureRules.Row r, string path) => FigureRules.F(Bench(r).Number(path)) + "×";

    /// <summary>"13.55 · 15.44": a PyTorch setting's ms per step at 1 and at 2 threads.</summary>
    static string ByThreads(FigureRules.Row r, string path)
    {
        var bench = Bench(r);
        return string.Join(" · ", new[] { "1", "2" }.Where(t => bench.Has($"{path}.{t}")).Select(t => FigureRules.F(bench.Number($"{path}.{t}"))));
    }

    static string Phase(FigureRules.Row r, string phases)
    {
        string key = r.Cells["phase"] switch
        {
            "batch gathering" => "batch_ms",
            "forward and loss" => "forward_loss_ms",
            "backward" => "backward_ms",
            "NaN/∞ gradient check" => "gradient_check_ms",
            "Adam" => "optimizer_ms",
            "sum" => "total_ms",
            "Adam, TorchSharp's optim.Adam instead" => "stock_adam_ms",
            var p => throw new InvalidOperationException($"no phase '{p}' in a bench report"),
        };
        return FigureRules.F(Bench(r).Number($"{phases}.{key}"));
    }

    static IReadOnlyList<double> Column(FigureRules.Row r, string column)
    {
        var pairs = r.Named(@"^sweep-split.*\.csv$").Single();
        return pairs.Rows.Select(row => pairs.Csv(row, column)).ToList();
    }

    static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>"7.52 (6.64–7.98)": the median and range over the pairs.</summary>
    static string MedianRange(IReadOnlyList<double> values, int decimals) =>
        $"{FigureRules.F(Median(values), decimals)} ({FigureRules.F(values.Min(), decimals)}–{FigureRules.F(values.Max(), decimals)})";

    /// <summary>Members per hour from a median sweep time: four members a sweep.</summary>
    static string PerHour(IReadOnlyList<double> seconds) => Math.Round(4 * 3600 / Median(seconds)).ToString(I);

    public static readonly Dictionary<string, Func<FigureRules.Row, string>> ByHeader = new()
    {
        ["matmul floor (ms/step)"] = r => Ms(r, "floor_ms_per_step"),
        ["training step (ms/step)"] = r => Ms(r, "train_ms_per_step"),
        ["training / floor, median of per-repeat ratios"] = r => Times(r, "train_to_floor_ratio"),
        ["PyTorch float32 (ms/step at 1 · 2 threads)"] = r => ByThreads(r, "pytorch.ms_per_step_by_threads"),
        ["PyTorch autocast bf16 (ms/step at 1 · 2 threads)"] = r => ByThreads(r, "pytorch.autocast_ms_per_step_by_threads"),
        ["speed-up over PyTorch's best (its best ms/step ÷ our step)"] = r => Times(r, "speedup_over_pytorch"),
        ["bound (PyTorch's best ÷ our floor)"] = r => Times(r, "speedup_bound_over_pytorch"),
        ["bf16 floor (ms/step)"] = r => Ms(r, "bf16.floor_ms_per_step"),
        ["bf16 floor / fp32 floor, median of per-repeat ratios"] = r => Times(r, "bf16.floor_to_fp32_floor"),
        ["bf16 through libtorch's `mm` (ms/step)"] = r => Ms(r, "bf16.lib_torch_floor_ms_per_step"),
        ["bf16 step (ms/step)"] = r => Ms(r, "bf16.train_ms_per_step"),
        ["bf16 step / fp32 step (ratio of the medians)"] = r => Times(r, "bf16.step_to_fp32_step"),
        ["evaluation of 10 000 images (s)"] = r => Ms(r, "eval_seconds"),
        ["evaluation / epoch"] = r => Ms(r, "eval_to_epoch_ratio"),
        ["artifacts per epoch (s)"] = r => Ms(r, "artifact_seconds"),
        ["artifacts / epoch"] = r => FigureRules.F(100 * Bench(r).Number("artifact_to_epoch_ratio"), 1) + " %",
        ["start-up to first step (s)"] = r => Ms(r, "startup_seconds"),
        ["peak RSS (MB)"] = r => FigureRules.F(Bench(r).Number("peak_rss_mb"), 0),
        ["fused (ms/step)"] = r => Phase(r, "phases"),
        ["autograd graph (ms/step)"] = r => Phase(r, "graph_phases"),
        ["fused, bf16 products (ms/step)"] = r => Phase(r, "bf16_phases"),
        ["`--jobs 2`, 1 thread each: median s (range)"] = r => MedianRange(Column(r, "jobs2_threads1_seconds"), 2),
        ["`--jobs 1 --threads 2`: median s (range)"] = r => MedianRange(Column(r, "jobs1_threads2_seconds"), 2),
        ["median of the pairs' ratios (range)"] = r => MedianRange(Column(r, "ratio"), 2),
        ["members per hour, `--jobs 2` · `--jobs 1 --threads 2`"] = r =>
            $"{PerHour(Column(r, "jobs2_threads1_seconds"))} · {PerHour(Column(r, "jobs1_threads2_seconds"))}",
    };
}
