using CategoricalVae.Model;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using SkiaSharp;
using Xunit;
using static TorchSharp.torch;

using CategoricalVae.Common;

namespace CategoricalVae.Tests.Training;

public class CompareTests
{
    static EpochMetrics Row(int epoch, double test, double train) =>
        new(epoch, epoch * 600L, 1.0 - epoch * 0.01, train, train - 5, 5, test, test - 6, 6, 8.0, 7500, 9.5, 0);

    static void WriteRun(string folder, bool hard, params EpochMetrics[] rows)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), $"{{\"options\": {{\"hard\": {(hard ? "true" : "false")}}}}}");
        foreach (var row in rows)
            MetricsCsv.Append(Path.Combine(folder, "metrics.csv"), row, AtomicWriter.Plain);
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
        File.AppendAllText(Path.Combine(runs, "c-torn", "metrics.csv"), "2,1200,0.98,160.1");
        // A newer version's file with an extra column.
        WriteRun(Path.Combine(runs, "d-newer"), false);
        File.WriteAllText(Path.Combine(runs, "d-newer", "metrics.csv"), MetricsCsv.Header + ",future\n" +
            string.Join(",", "1,600,0.99,190,185,5,165,159,6,8.0,7500,9.5,0,42") + "\n");
        // Crashed before its first epoch ended.
        Directory.CreateDirectory(Path.Combine(runs, "e-early"));
        File.WriteAllText(Path.Combine(runs, "e-early", "config.json"), "{\"options\": {\"hard\": true}}");
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
        Assert.Equal("run,mode,epochs,tau_end,final_test_loss,best_test_loss,best_epoch,final_train_loss,total_seconds,examples_per_second,neg_elbo,nll,notes", csv[0]);
        Assert.Equal("a-soft,soft,3,0.9700,152.00,150.00,2,150.00,24.0,7500,-,-,", csv[2]);
        Assert.StartsWith("b-hard,hard,2,0.9800,140.00,140.00,2,155.00,16.0,7500,-,-,", csv[1]);

        using var png = SKBitmap.Decode(Path.Combine(runs, "compare.png"));
        Assert.Equal((1000, 600), (png.Width, png.Height));
    }

    [Fact]
    public void Compare_shows_the_bounds_of_evaluated_runs_and_notes_an_unreadable_evaluation()
    {
        using var dir = new TempDir();
        WriteRun(dir.File("x"), false, Row(1, 150, 200));
        var report = new CategoricalVae.Runs.EvaluationReport
        {
            Run = dir.File("x"), Checkpoint = dir.File("x/checkpoint.bin"), EpochsCompleted = 1, GlobalStep = 600, Mode = "soft",
            Binarize = "fixed", BinarizeSeed = 2020, Likelihood = "bernoulli", TestExamples = 10000, Samples = 1000, Seed = 2020,
            DiscreteElbo = new(-113.797, 0.33), ImportanceWeightedBound = new(-101.603, 0.29), NegativeLogLikelihoodEstimate = 101.603,
            NegativeElbo = 113.797, KlToPrior = 15.08, Relaxed = new(0.5, 108.25, 93.17, 15.08), Seconds = 252, WrittenUtc = DateTime.UtcNow,
        };
        File.WriteAllText(dir.File("x/evaluation.json"), report.ToJson());
        WriteRun(dir.File("y"), false, Row(1, 160, 100));
        File.WriteAllText(dir.File("y/evaluation.json"), "{ truncated");

        string[] csv = new CompareTable([RunSummary.Load(dir.File("x"))!, RunSummary.Load(dir.File("y"))!], CompareMetric.TestLoss, "best")
            .ToCsv().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("x,soft,1,0.9900,150.00,150.00,1,200.00,8.0,7500,113.80,101.60,", csv[1]);
        Assert.Equal("y,soft,1,0.9900,160.00,160.00,1,100.00,8.0,7500,-,-,evaluation.json unreadable", csv[2]);
    }

    [Fact]
    public void Compare_sort_and_metric_options_change_the_order()
    {
        using var dir = new TempDir();
        WriteRun(dir.File("x"), false, Row(1, 150, 200));
        WriteRun(dir.File("y"), false, Row(1, 160, 100));
        var byTrain = new CompareTable([RunSummary.Load(dir.File("x"))!, RunSummary.Load(dir.File("y"))!], CompareMetric.TrainLoss, "best");
        Assert.Equal(new[] { "y", "x" }, byTrain.Runs.Select(r => r.Name));
        var byName = new CompareTable([RunSummary.Load(dir.File("y"))!, RunSummary.Load(dir.File("x"))!], CompareMetric.TestLoss, "name");
        Assert.Equal(new[] { "x", "y" }, byName.Runs.Select(r => r.Name));
        Assert.Null(RunSummary.Load(dir.Path)); // the parent folder is not a run
    }

    [Fact]
    public void Unknown_metric_or_sort_is_refused_with_exit_code_2()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, ["compare", "--metric", "accuracy"], timeoutSeconds: 120);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--metric expects one of test_loss, train_loss, test_bce, test_kl", r.Stderr);
    }

    [Fact]
    public void Perplexity_is_K_for_even_usage_and_1_for_collapse()
    {
        using var scope = NewDisposeScope();
        const int latents = 30, k = 10, n = 50;
        var uniform = full(new long[] { latents * k }, n / (float)k);
        var even = LatentUsage.FromSum(uniform, n, latents, k);
        Assert.All(even.Perplexities, p => Assert.Equal(10.0, p, 4));
        Assert.Equal(0, even.DeadLatents);

        // Every example puts latent l on category l % K: each latent collapsed on one category.
        var collapsed = zeros(latents, k);
        for (int l = 0; l < latents; l++)
            collapsed[l, l % k] = tensor((float)n);
        var usage = LatentUsage.FromSum(collapsed.view(-1), n, latents, k);
        Assert.All(usage.Perplexities, p => Assert.Equal(1.0, p, 6));
        Assert.Equal(latents, usage.DeadLatents);
        Assert.Equal(1.0, usage.MeanPerplexity, 6);
    }
}
