using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Sweeps;

[Trait("Category", Category.Unit)]
public class SweepTableTests
{
    static EpochMetrics Row(double testLoss) => new(1, 600, 0.9, testLoss + 5, testLoss, 5, testLoss, testLoss - 5, 5, 8, 7500, 9.9, 0, 30);

    static EvaluationReport Evaluation(double negElbo) => new()
    {
        Run = "r", Checkpoint = "c", EpochsCompleted = 1, GlobalStep = 600, Mode = "soft", Binarize = "fixed", Likelihood = "bernoulli",
        TestExamples = 10000, Samples = 100, Seed = 1, DiscreteElbo = new(-negElbo, 0.3), ImportanceWeightedBound = new(-negElbo + 10, 0.3),
        NegativeLogLikelihoodEstimate = negElbo - 10, NegativeElbo = negElbo, KlToPrior = 20, Relaxed = new(0.5, 1, 1, 1), Seconds = 1, WrittenUtc = DateTime.UtcNow,
    };

    static RunSummary Member(string name, double testLoss, double? negElbo) =>
        new(name, "/nowhere/" + name, "gumbel-softmax", [Row(testLoss)], [], negElbo is { } e ? Evaluation(e) : null);

    static SweepGroup Group(string name, (double Loss, double? Elbo)[] members) =>
        new(name, members.Select((m, i) => Member($"{name}_seed-{i}", m.Loss, m.Elbo)).ToList(), CompareMetric.TestLoss);

    [Fact]
    public void Configurations_rank_by_the_discrete_elbo_once_every_member_is_evaluated_else_by_the_final_loss()
    {
        // "relaxed" has the lower relaxed loss but the worse −ELBO, as a deterministic code does.
        var evaluated = new SweepTable([Group("relaxed", [(80, 200), (82, 202)]), Group("sampled", [(120, 130), (121, 133)])], CompareMetric.TestLoss);
        Assert.True(evaluated.RanksByElbo);
        Assert.Equal(["sampled", "relaxed"], evaluated.Groups.Select(g => g.Configuration));
        var row = evaluated.Cells().Last();
        Assert.Equal("69.50", row[^2]); // (200 + 202)/2 − (130 + 133)/2
        Assert.StartsWith("±", row[^1]);

        var partly = new SweepTable([Group("relaxed", [(80, 200), (82, null)]), Group("sampled", [(120, 130), (121, 133)])], CompareMetric.TestLoss);
        Assert.False(partly.RanksByElbo);
        Assert.Equal(["relaxed", "sampled"], partly.Groups.Select(g => g.Configuration));
        Assert.Equal("best", partly.Cells().First()[^2]);
        Assert.Equal("39.50", partly.Cells().Last()[^2]);
    }
}
