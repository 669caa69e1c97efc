using System.Globalization;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Sweeps;

[Trait("Category", Category.Unit)]
public class SweepPlanTests
{
    static SweepPlan Build(string[] vary, string? seeds = null) =>
        SweepPlan.Build(HandMadeSweep.Arguments, new SweepPlan.GivenOptions(TrainOptions.Defaults, []), vary, seeds, 1);

    static string Values(int count, Func<int, string> value) => string.Join(',', Enumerable.Range(1, count).Select(value));

    [Fact]
    public void A_grid_beyond_the_bound_is_refused_before_it_is_built()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<UserFacingException>(() => Build(
            ["lr=" + Values(1000, i => (i * 1e-6).ToString("R", CultureInfo.InvariantCulture)), "batch-size=" + Values(1000, i => i.ToString(CultureInfo.InvariantCulture))]));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.Contains($"1000 × 1000 × 1 (values × seeds) = 1000000 members; a sweep has at most {SweepPlan.MaxMembers}", e.Message);
        // The million members were never made: a few hundred kilobytes for the values themselves, not gigabytes.
        Assert.True(allocated < 16 << 20, $"{allocated >> 20} MB allocated");

        // Seeds count too; the bound itself is accepted.
        Assert.Contains("= 1002 members", Assert.Throws<UserFacingException>(() => Build(["lr=1e-3,2e-3"], Values(501, i => i.ToString(CultureInfo.InvariantCulture)))).Message);
        Assert.Equal(SweepPlan.MaxMembers, Build(["lr=1e-3,2e-3"], Values(500, i => i.ToString(CultureInfo.InvariantCulture))).Sweep.Members.Count);
    }

    [Fact]
    public void Where_the_sweep_goes_and_its_label_are_checked_like_trains()
    {
        foreach (var (options, expected) in new (TrainOptions, string)[]
                 {
                     (TrainOptions.Defaults with { RunsDir = "" }, "--runs-dir must name a folder"),
                     (TrainOptions.Defaults with { Name = "a b" }, "is not a valid label"),
                 })
        {
            var e = Assert.Throws<UserFacingException>(() =>
                SweepPlan.Build(HandMadeSweep.Arguments, new SweepPlan.GivenOptions(options, []), ["hard=off,on"], null, 1));
            Assert.Contains(expected, e.Message);
        }
    }
}
