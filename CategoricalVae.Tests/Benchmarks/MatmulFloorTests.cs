using CategoricalVae.Benchmarks;
using Xunit;

namespace CategoricalVae.Tests.Benchmarks;

[Trait("Category", Category.Unit)]
public class MatmulFloorTests
{
    [Fact]
    public void The_floor_counts_the_17_products_a_step_needs_from_the_models_shapes()
    {
        int[] widths = MatmulFloor.LayerWidths(30, 10);
        Assert.Equal([784, 512, 256, 300, 256, 512, 784], widths);
        // 6 forward products, 6 weight gradients and 5 input gradients (the images' own is never needed), 2·B·in·out each.
        long[] layer = [784L * 512, 512 * 256, 256 * 300, 300 * 256, 256 * 512, 512 * 784];
        Assert.Equal(2.0 * 100 * (3 * layer.Sum() - layer[0]), MatmulFloor.FlopsPerStep(100, widths));
        Assert.Equal(2.0 * 7 * (784 * 20 * 2 + 20 * 784 * 3), MatmulFloor.FlopsPerStep(7, [784, 20, 784]));
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        Assert.Equal(2.5, MatmulFloor.Median([4, 1, 2, 3]));
        Assert.Equal(3, MatmulFloor.Median([5, 3, 1]));
        Assert.True(double.IsNaN(MatmulFloor.Median([])));
    }

    [Fact]
    public void A_floor_measured_here_is_a_positive_time()
    {
        double ms = MatmulFloor.MillisecondsPerStep(10, [784, 32, 784], steps: 3, repeats: 1, warmup: 1);
        Assert.True(ms > 0 && double.IsFinite(ms), $"{ms} ms");
    }
}
