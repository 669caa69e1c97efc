using CategoricalVae.Common;
using Xunit;

namespace CategoricalVae.Tests.Common;

[Trait("Category", Category.Unit)]
public class ErrorDetailsTests
{
    [Fact]
    public void Two_failures_in_the_same_second_keep_both_details()
    {
        using var dir = new TempDir();
        string a = ErrorDetails.Write(dir.Path, "categoricalvae-error", "first");
        string b = ErrorDetails.Write(dir.Path, "categoricalvae-error", "second");
        Assert.NotEqual(a, b);
        Assert.Equal("first", File.ReadAllText(a));
        Assert.Equal("second", File.ReadAllText(b));
        Assert.Contains($"-{Environment.ProcessId}-", Path.GetFileName(a));
    }
}
