using CategoricalVae.Runs;
using Xunit;

using CategoricalVae.Common;

namespace CategoricalVae.Tests.Runs;

[Trait("Category", Category.Unit)]
public class CompareTableTests
{
    static EpochMetrics Row(int epoch, double test, double train) =>
        new(epoch, epoch * 600L, 1.0 - epoch * 0.01, train, train - 5, 5, test, test - 6, 6, 8.0, 7500, 9.5, 0, 20 + epoch);

    static void WriteRun(string folder, bool hard, params EpochMetrics[] rows)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, RunLayout.ConfigName), $"{{\"options\": {{\"hard\": {(hard ? "true" : "false")}}}}}");
        foreach (var row in rows)
            MetricsCsv.Append(Path.Combine(folder, RunLayout.MetricsName), row, AtomicWriter.Plain);
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
        Assert.Equal("x,gumbel-softmax,fp32,1,0.9900,150.00,150.00,1,200.00,8.0,7500,113.80,101.60,21,", csv[1]);
        Assert.Equal("y,gumbel-softmax,fp32,1,0.9900,160.00,160.00,1,100.00,8.0,7500,-,-,21,evaluation.json unreadable", csv[2]);
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
    public void Every_sort_key_orders_the_rows_as_its_name_says()
    {
        using var dir = new TempDir();
        WriteRun(dir.File("a"), false, Row(1, 150, 200), Row(2, 170, 190));                 // best 150, final 170
        WriteRun(dir.File("b"), false, Row(1, 160, 200));                                    // best 160, final 160, 1 epoch
        WriteRun(dir.File("c"), true, Row(1, 155, 200), Row(2, 165, 190), Row(3, 158, 180)); // best 155, final 158
        RunSummary[] runs = [RunSummary.Load(dir.File("b"))!, RunSummary.Load(dir.File("c"))!, RunSummary.Load(dir.File("a"))!];
        string[] Order(string sort, CompareMetric metric = CompareMetric.TestLoss) => new CompareTable(runs, metric, sort).Runs.Select(r => r.Name).ToArray();
        Assert.Equal(["a", "c", "b"], Order("best"));
        Assert.Equal(["c", "b", "a"], Order("final"));
        Assert.Equal(["a", "b", "c"], Order("name"));
        Assert.Equal(["c", "a", "b"], Order("epochs"));
        Assert.Equal(["b", "a", "c"], Order("time"));   // 8 s per epoch: 8, 16, 24
        Assert.Equal(["c", "a", "b"], Order("best", CompareMetric.TrainLoss));
    }
}
