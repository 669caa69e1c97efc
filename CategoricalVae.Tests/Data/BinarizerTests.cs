using CategoricalVae.Data;
using CategoricalVae.Training;
using Xunit;
using static TorchSharp.torch;

using CategoricalVae.Common;

namespace CategoricalVae.Tests.Data;

[Trait("Category", Category.Unit)]
public class BinarizerTests
{
    static Tensor Grey(int rows) => randint(0, 256, [rows, 784], ScalarType.Byte, generator: new Generator(9));

    [Fact]
    public void Fixed_binarisation_is_reproducible_from_its_seed_and_depends_on_it()
    {
        using var scope = NewDisposeScope();
        var grey = Grey(2500);
        var a = Binarizer.Fixed(grey, 77, SeedStreams.Stream.BinarizeTestSet);
        var b = Binarizer.Fixed(grey, 77, SeedStreams.Stream.BinarizeTestSet);
        var otherSeed = Binarizer.Fixed(grey, 78, SeedStreams.Stream.BinarizeTestSet);
        var otherSplit = Binarizer.Fixed(grey, 77, SeedStreams.Stream.BinarizeTrainSet);
        Assert.True(a.eq(b).all().item<bool>());
        // Independent draws agree where both thresholds fall on the same side: about 2/3 of pixels for uniform grey.
        Assert.InRange(a.eq(otherSeed).to(ScalarType.Float32).mean().item<float>(), 0.6f, 0.73f);
        Assert.InRange(a.eq(otherSplit).to(ScalarType.Float32).mean().item<float>(), 0.6f, 0.73f);
    }

    [Fact]
    public void Fixed_binarisation_gives_0_or_255_with_the_grey_level_as_probability()
    {
        using var scope = NewDisposeScope();
        var grey = Grey(2000);
        var binary = Binarizer.Fixed(grey, 5, SeedStreams.Stream.BinarizeTrainSet);
        Assert.Equal(grey.shape, binary.shape);
        Assert.Equal(ScalarType.Byte, binary.dtype);
        Assert.True(binary.eq(0).logical_or(binary.eq(255)).all().item<bool>());
        Assert.True(binary.masked_select(grey.eq(0)).eq(0).all().item<bool>(), "black pixels stay black");
        Assert.True(binary.masked_select(grey.eq(255)).eq(255).all().item<bool>(), "white pixels stay white");
        // 1.57 M pixels: the fraction of ones matches the mean grey level to well under 0.5 %.
        double ones = binary.eq(255).to(ScalarType.Float64).mean().item<double>();
        double p = grey.to(ScalarType.Float64).div(255).mean().item<double>();
        Assert.Equal(p, ones, 0.005);
    }

    [Fact]
    public void An_image_gets_the_same_pixels_whether_the_set_is_limited_or_not()
    {
        using var scope = NewDisposeScope();
        var grey = Grey(2500);
        var full = Binarizer.Fixed(grey, 3, SeedStreams.Stream.BinarizeTestSet);
        foreach (int limit in new[] { 100, 1000, 1700 })
        {
            var limited = Binarizer.Fixed(grey.narrow(0, 0, limit), 3, SeedStreams.Stream.BinarizeTestSet);
            Assert.True(limited.eq(full.narrow(0, 0, limit)).all().item<bool>(), $"limit {limit}");
        }
    }

    [Fact]
    public void Dynamic_batches_are_binary_reproducible_per_batch_and_differ_between_batches()
    {
        using var scope = NewDisposeScope();
        var x = rand([100, 784], generator: new Generator(4));
        Tensor Draw(int epoch, int batch)
        {
            using var g = new Generator(Binarizer.BatchSeed(12, epoch, batch));
            return Binarizer.Sample(x, g);
        }
        var first = Draw(1, 0);
        Assert.True(first.eq(0).logical_or(first.eq(1)).all().item<bool>());
        Assert.True(first.eq(Draw(1, 0)).all().item<bool>());
        Assert.False(first.eq(Draw(1, 1)).all().item<bool>());
        Assert.False(first.eq(Draw(2, 0)).all().item<bool>());
    }
}
