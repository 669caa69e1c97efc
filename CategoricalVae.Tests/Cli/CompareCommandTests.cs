using CategoricalVae.Common;
using CategoricalVae.Runs;
using SkiaSharp;
using Xunit;

namespace CategoricalVae.Tests.Cli;

/// <summary>`compare` through the real executable.</summary>
[Trait("Category", Category.EndToEnd)]
public class CompareCommandTests
{
    static EpochMetrics Row(int epoch, double test, double train) =>
        new(epoch, epoch * 600L, 1.0 - epoch * 0.01, train, train - 5, 5, test, test - 6, 6, 8.0, 7500, 9.5, 0);

    static void WriteRun(string folder, bool hard, params EpochMetrics[] rows)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, RunLayout.ConfigName), $"{{\"options\": {{\"hard\": {(hard ? "true" : "false")}}}}}");
        foreach (var row in rows)
            MetricsCsv.Append(Path.Combine(folder, RunLayout.MetricsName), row, AtomicWriter.Plain);
    }

    [Fact]
    public void Compare_tabulates_sorts_plots_and_survives_incomplete_and_foreign_folders()
    {
        using var dir = new TempDir();
        string runs = dir.File("runs");
        WriteRun(Path.Combine(runs, "a-soft"), false, Row(1, 170, 198), Row(2, 150, 160), Row(3, 152, 150));
        WriteRun(Path.Combine(runs, "b-hard"), true, Row(1, 180, 199), Row(2, 140, 155));
        // Crashed while appending: a torn last line.
        WriteRun(Path.Combine(runs, "c-torn"), false, Row(1, 175, 199));
        File.AppendAllText(Path.Combine(runs, "c-torn", RunLayout.MetricsName), "2,1200,0.98,160.1");
        // A newer version's file with an extra column.
        WriteRun(Path.Combine(runs, "d-newer"), false);
        File.WriteAllText(Path.Combine(runs, "d-newer", RunLayout.MetricsName), MetricsCsv.Header + ",future\n" +
            string.Join(",", "1,600,0.99,190,185,5,165,159,6,8.0,7500,9.5,0,12,42") + "\n");
        // Crashed before its first epoch ended.
        Directory.CreateDirectory(Path.Combine(runs, "e-early"));
        File.WriteAllText(Path.Combine(runs, "e-early", RunLayout.ConfigName), "{\"options\": {\"hard\": true}}");
        // Not a run.
        Directory.CreateDirectory(Path.Combine(runs, "photos"));
        File.WriteAllText(Path.Combine(runs, "photos", "cat.txt"), "meow");

        var r = CliRunner.Run(dir.Path, ["compare", "--runs-dir", "runs", "--csv", "table.csv"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("skipped runs/photos: not a run folder", r.Stderr);

        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("run ", lines[0]);
        // Sorted by best test loss: b (140), a (150), d (165), c (175), then e (no rows).
        string[] order = lines.Skip(1).Take(5).Select(l => l.Split(' ')[0]).ToArray();
        Assert.Equal(new[] { "b-hard", "a-soft", "d-newer", "c-torn", "e-early" }, order);
        Assert.Contains("last line incomplete", lines.Single(l => l.StartsWith("c-torn")));
        Assert.Contains("ignored unknown column(s) future", lines.Single(l => l.StartsWith("d-newer")));
        Assert.Contains("no metrics.csv", lines.Single(l => l.StartsWith("e-early")));

        string[] csv = File.ReadAllLines(dir.File("table.csv"));
        Assert.Equal("run,estimator,precision,epochs,tau_end,final_test_loss,best_test_loss,best_epoch,final_train_loss,total_seconds,examples_per_second,neg_elbo,nll,active_latents,notes", csv[0]);
        Assert.Equal("a-soft,gumbel-softmax,fp32,3,0.9700,152.00,150.00,2,150.00,24.0,7500,-,-,-,", csv[2]);
        Assert.StartsWith("b-hard,st-gumbel-softmax,fp32,2,0.9800,140.00,140.00,2,155.00,16.0,7500,-,-,-,", csv[1]);

        using var png = SKBitmap.Decode(Path.Combine(runs, "compare.png"));
        Assert.Equal((1000, 600), (png.Width, png.Height));

        // --out puts the picture elsewhere; --sort final orders by the last epoch's value.
        var elsewhere = CliRunner.Run(dir.Path, ["compare", "--runs-dir", "runs", "--out", dir.File("pictures/c.png"), "--sort", "final"], timeoutSeconds: 120);
        Assert.True(elsewhere.ExitCode == 0, elsewhere.Stderr);
        Assert.Contains($"Wrote {dir.File("pictures/c.png")}", elsewhere.Stdout);
        Assert.True(File.Exists(dir.File("pictures/c.png")));
        Assert.Equal(["b-hard", "a-soft", "d-newer", "c-torn"], elsewhere.Stdout.Split('\n').Skip(1).Take(4).Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public void Unknown_metric_or_sort_is_refused_with_exit_code_2()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, ["compare", "--metric", "accuracy"], timeoutSeconds: 120);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--metric expects one of test_loss, train_loss, test_bce, test_kl", r.Stderr);
    }
}
