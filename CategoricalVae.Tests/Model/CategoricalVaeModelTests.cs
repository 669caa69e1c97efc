using CategoricalVae.Model;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model;

[Trait("Category", Category.Unit)]
public class CategoricalVaeModelTests
{
    [Fact]
    public void Forward_shapes_and_posterior_rows_sum_to_one()
    {
        using var scope = NewDisposeScope();
        using var model = new CategoricalVaeModel(30, 10);
        var x = rand(new long[] { 5, 1, 28, 28 }, generator: new Generator(2));
        var pass = model.forward(x, Draws.Relaxed(1));
        var (recon, q) = (pass.Reconstruction, pass.Posterior);
        Assert.Equal(new long[] { 5, 784 }, recon.shape);
        Assert.Equal(new long[] { 5, 300 }, q.shape);
        Assert.True(recon.min().item<float>() >= 0 && recon.max().item<float>() <= 1);
        Assert.True((q.view(5, 30, 10).sum(-1) - 1).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Parameter_count_is_exact_and_names_match_the_pytorch_state_dict()
    {
        using var model = new CategoricalVaeModel(30, 10);
        // (784·512+512) + (512·256+256) + (256·300+300) + (300·256+256) + (256·512+512) + (512·784+784)
        const long expected = 1_221_180;
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
        Assert.Equal(expected, CategoricalVaeModel.ParameterCount(30, 10));
        var names = model.state_dict().Keys.OrderBy(k => k).ToArray();
        Assert.Equal(new[] { "fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight", "fc4.bias", "fc4.weight", "fc5.bias", "fc5.weight", "fc6.bias", "fc6.weight" }, names);
    }

    [Fact]
    public void Logits_are_non_negative_with_the_source_relu_and_can_be_negative_without_it()
    {
        using var scope = NewDisposeScope();
        var x = rand(new long[] { 50, 784 }, generator: new Generator(3));
        using var faithful = new CategoricalVaeModel(30, 10);
        using var plain = new CategoricalVaeModel(30, 10, reluOnLogits: false);
        Assert.True(faithful.Encode(x).min().item<float>() >= 0);
        Assert.True(plain.Encode(x).min().item<float>() < 0);
    }
}
