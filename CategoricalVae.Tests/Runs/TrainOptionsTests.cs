using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Runs;

[Trait("Category", Category.Unit)]
public class TrainOptionsTests
{
    /// <summary>Checkpoints are assembled in memory, in one array of at most 2 GB: the largest model accepted must fit.</summary>
    [Fact]
    public void The_largest_accepted_model_has_a_checkpoint_that_fits()
    {
        long parameters = CategoricalVae.Model.CategoricalVaeModel.ParameterCount(1, (int)TrainOptions.MaxCodeSize); // depends on the product only
        long bytes = 3 * 4 * parameters + 1_000_000; // weights and two Adam moments, plus headers
        Assert.True(bytes < int.MaxValue, $"{bytes / 1e9:F2} GB");
        Assert.Contains("code units", (TrainOptions.Defaults with { LatentDim = 1, Categories = (int)TrainOptions.MaxCodeSize + 1 }).Problem());
    }
}
