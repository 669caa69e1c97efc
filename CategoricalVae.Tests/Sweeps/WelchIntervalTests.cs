using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Sweeps;

[Trait("Category", Category.Unit)]
public class WelchIntervalTests
{
    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(10, 2.228)]
    [InlineData(11, 2.201)]
    [InlineData(1.5, 6.017)] // Welch df of two seeds per group: between 1 and 2
    [InlineData(1.883, 4.569)]
    [InlineData(2.94, 3.220)]
    [InlineData(50, 2.009)]
    [InlineData(1e9, 1.960)]
    public void The_t_quantile_matches_the_tables_to_the_third_decimal(double df, double t) =>
        Assert.Equal(t, WelchInterval.TQuantile975(df), 2);

    [Fact]
    public void The_interval_is_welchs()
    {
        // Two groups with different spreads; the figures below worked out by hand:
        // va = 1/3, vb = 4/3 (variance of the mean), df = (5/3)^2 / ((1/9)/2 + (16/9)/2) = 2.94, t(2.94) ≈ 3.21.
        double[] a = [1, 2, 3], b = [2, 4, 6];
        double half = WelchInterval.HalfWidth(a, b)!.Value;
        Assert.InRange(half, 3.21 * Math.Sqrt(5.0 / 3) - 0.03, 3.21 * Math.Sqrt(5.0 / 3) + 0.03);
        Assert.Null(WelchInterval.HalfWidth([1.0], b));
        Assert.Equal(0, WelchInterval.HalfWidth([1.0, 1.0], [2.0, 2.0]));
    }

    [Fact]
    public void Member_folders_are_named_from_their_settings_and_filesystem_safe()
    {
        var settings = new Dictionary<string, string> { ["hard"] = "on", ["anneal-rate"] = "1e-4", ["seed"] = "2" };
        Assert.Equal("hard-on_anneal-rate-1e-4_seed-2", SweepFile.FolderOf(settings));
        Assert.Equal("hard-on_anneal-rate-1e-4", SweepFile.ConfigurationOf(settings));
        Assert.Equal("seed-7", SweepFile.FolderOf(new Dictionary<string, string> { ["seed"] = "7" }));
        Assert.Equal("data-dir--a-b_seed-1", SweepFile.FolderOf(new Dictionary<string, string> { ["data-dir"] = "/a b", ["seed"] = "1" }));
    }
}
