using CategoricalVae.Data;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Data;

[Trait("Category", Category.Unit)]
public class MnistDatasetTests
{
    [Fact]
    public void A_batch_gathered_into_a_buffer_equals_the_tensor_batch_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(3);
        byte[] pixels = new byte[50 * 784], labels = new byte[50];
        rng.NextBytes(pixels);
        pixels[0] = 0;
        pixels[1] = 255;
        using var data = new MnistDataset(pixels, labels, 50);
        var indices = tensor(new long[] { 49, 0, 17, 17, 3, 1, 48 });
        var buffer = full([10, 784], float.NaN);
        var gathered = data.BatchInto(indices, buffer);
        Assert.Equal(new long[] { 7, 784 }, gathered.shape);
        Assert.True(data.Batch(indices).equal(gathered).all().item<bool>());
        Assert.True(buffer.narrow(0, 7, 3).isnan().all().item<bool>(), "rows past the batch are left alone");
        Assert.Throws<ArgumentOutOfRangeException>(() => data.BatchInto(tensor(new long[] { 50 }), buffer));
    }
}
