using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Sweeps;

/// <summary>A grouped comparison never mixes what cannot be mixed: members at different epochs, or evaluated in
/// different ways.</summary>
[Trait("Category", Category.Unit)]
public class SweepComparisonTests
{
    static SweepComparison Compare(HandMadeSweep sweep) =>
        SweepComparison.Of(CheckedSweep.Open(sweep.Folder, HandMadeSweep.Arguments), CompareMetric.TestLoss, () => false);

    static readonly SweepMember[] Grid =
        [HandMadeSweep.Member(false, 1), HandMadeSweep.Member(false, 2), HandMadeSweep.Member(true, 1), HandMadeSweep.Member(true, 2)];

    static HandMadeSweep Trained(TempDir dir, out Dictionary<string, string> runs)
    {
        var sweep = new HandMadeSweep(dir.File("sweep"), Grid);
        runs = Grid.ToDictionary(m => m.Folder, m => sweep.Train(m, 2, m.Settings["hard"] == "on" ? 120 : 100));
        return sweep;
    }

    [Fact]
    public void A_member_extended_by_resume_is_compared_at_the_epoch_all_members_have_and_named()
    {
        using var dir = new TempDir();
        var sweep = Trained(dir, out var runs);
        // hard-on_seed-1 was resumed to 3 epochs, where its loss fell far below everyone's.
        string extended = runs["hard-on_seed-1"];
        File.WriteAllText(new RunLayout(extended).ConfigFile, File.ReadAllText(new RunLayout(extended).ConfigFile).Replace("\"epochs\": 2", "\"epochs\": 3"));
        MetricsCsv.Append(new RunLayout(extended).MetricsFile, new EpochMetrics(3, 1800, 0.9, 15, 10, 5, 10, 5, 5, 8, 7500, 9.9, 0, 30), AtomicWriter.Plain);

        var comparison = Compare(sweep);
        Assert.Equal(2, comparison.Epoch);
        Assert.Contains(comparison.Notes, n => n.Contains("compared at epoch 2") && n.Contains("hard-on_seed-1 (3)"));
        var table = new SweepTable(comparison.Groups, CompareMetric.TestLoss);
        // hard-on at epoch 2: 122 for both seeds, not the mean of 122 and 10; so hard-off (102) ranks first.
        Assert.Equal(["hard-off", "hard-on"], table.Groups.Select(g => g.Configuration));
        Assert.Equal([122.0, 122.0], table.Groups[1].Finals);
        Assert.Equal([121.0, 121.0], table.Groups[1].Bests); // epoch 1, not the extended member's epoch 3
        Assert.All(table.Groups, g => Assert.Equal(2, g.Curve().Count));
    }

    [Theory]
    [InlineData("samples", "m=100")]
    [InlineData("test-limit", "500 test images")]
    [InlineData("pixels", "grey pixels")]
    [InlineData("epoch", "epoch 3")]
    public void Members_evaluated_differently_are_named_and_the_table_does_not_rank_by_their_figures(string odd, string shown)
    {
        using var dir = new TempDir();
        var sweep = Trained(dir, out var runs);
        // The relaxed losses put hard-off first; the −ELBOs, were they comparable, would put hard-on first.
        foreach (var (folder, run) in runs)
            HandMadeSweep.Evaluate(run, 2, folder.StartsWith("hard-on") ? 90 : 95);
        string different = runs["hard-off_seed-2"];
        switch (odd)
        {
            case "samples": HandMadeSweep.Evaluate(different, 2, 95, samples: 100); break;
            case "test-limit": HandMadeSweep.Evaluate(different, 2, 95, testImages: 500); break;
            case "pixels": HandMadeSweep.Evaluate(different, 2, 95, binarised: false); break;
            default:
                // Resumed to a third epoch and evaluated there.
                MetricsCsv.Append(new RunLayout(different).MetricsFile, new EpochMetrics(3, 1800, 0.9, 108, 103, 5, 103, 98, 5, 8, 7500, 9.9, 0, 30), AtomicWriter.Plain);
                HandMadeSweep.Evaluate(different, 3, 95);
                break;
        }

        var comparison = Compare(sweep);
        string note = Assert.Single(comparison.Notes, n => n.Contains("not ranked by the discrete −ELBO"));
        Assert.Contains($"hard-off_seed-2 (", note);
        Assert.Contains(shown, note);
        Assert.DoesNotContain("hard-on_seed-1", note);
        var table = new SweepTable(comparison.Groups, CompareMetric.TestLoss);
        Assert.False(table.RanksByElbo);
        Assert.Equal("hard-off", table.Groups[0].Configuration);
        Assert.All(table.Cells(), row => Assert.Equal("-", row[6])); // neg_elbo is not averaged over unlike evaluations
    }

    [Fact]
    public void Members_evaluated_alike_at_the_compared_epoch_rank_by_the_discrete_elbo()
    {
        using var dir = new TempDir();
        var sweep = Trained(dir, out var runs);
        foreach (var (folder, run) in runs)
            HandMadeSweep.Evaluate(run, 2, folder.StartsWith("hard-on") ? 90 : 95);
        var comparison = Compare(sweep);
        Assert.Empty(comparison.Notes);
        var table = new SweepTable(comparison.Groups, CompareMetric.TestLoss);
        Assert.True(table.RanksByElbo);
        Assert.Equal("hard-on", table.Groups[0].Configuration);
    }

    [Fact]
    public void A_sweep_with_no_complete_member_is_refused()
    {
        using var dir = new TempDir();
        var sweep = new HandMadeSweep(dir.File("sweep"), Grid);
        sweep.Train(Grid[0], 1, 100); // one of its two epochs
        var e = Assert.Throws<UserFacingException>(() => Compare(sweep));
        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.Contains("no member of", e.Message);
    }
}
