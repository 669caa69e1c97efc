using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Model.Fused;
using CategoricalVae.Native;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model.Fused;

/// <summary>The fused pass with bfloat16 products: each product is the float64 product of the bfloat16-rounded operands
/// to float32 accumulation, and a pass keeps no operand of a previous batch.</summary>
[Trait("Category", Category.Unit)]
public class Bf16ProductsTests
{
    static Tensor Rounded(Tensor t) => t.to(ScalarType.BFloat16).to(float64);

    static void Close(Tensor actual, Tensor expected, string what)
    {
        double error = (actual.to(float64) - expected).abs().max().ToDouble(), scale = expected.abs().max().ToDouble();
        Assert.True(error <= 1e-5 * scale, $"{what}: max |Δ| {error:E2} of {scale:E2}");
    }

    [Fact]
    public void Each_product_is_that_of_the_bfloat16_rounded_operands()
    {
        if (!TeamProduct.IsBf16Available)
            return;
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create(30, 10, reluOnLogits: false, seed: 2);
        using var products = new LayerProducts(model.Layers.ToArray(), Precision.Bf16, threads: 2);
        using var g = new Generator(4);
        var x = rand([37, 784], generator: g);
        products.NewBatch(x, 37);
        var w = model.Layers[0].weight!.detach();

        var h = zeros([50, 512]);
        products.Forward(0, x, h);
        Close(h.narrow(0, 0, 37), Rounded(x).matmul(Rounded(w).t()), "forward");

        var dh = randn([37, 512], generator: g);
        var dx = zeros([50, 784]);
        products.Backward(0, dh, dx);
        Close(dx.narrow(0, 0, 37), Rounded(dh).matmul(Rounded(w)), "to the input");

        var dw = zeros_like(w);
        products.WeightGradient(dh, x, dw);
        Close(dw, Rounded(dh).t().matmul(Rounded(x)), "weight gradient");
    }

    /// <summary>Batches arrive in new tensors (the test pass slices its images): the second batch's loss must be a fresh
    /// pass's, not one computed from the first batch's converted images.</summary>
    [Fact]
    public void A_batch_in_a_new_tensor_is_converted_anew()
    {
        if (!TeamProduct.IsBf16Available)
            return;
        using var scope = NewDisposeScope();
        using var model = ModelFactory.Create(30, 10, reluOnLogits: false, seed: 2);
        using var g = new Generator(4);
        var a = rand([100, 784], generator: g).gt(0.5).to(float32);
        var b = rand([100, 784], generator: g).gt(0.5).to(float32);
        double Loss(IVaePass pass, Tensor x) => pass.Forward(x, 1.0, new Generator(9), forTraining: false).Total;
        using var used = VaePasses.For(model, new SoftmaxEstimator(), 100, autograd: false, Precision.Bf16);
        using var fresh = VaePasses.For(model, new SoftmaxEstimator(), 100, autograd: false, Precision.Bf16);
        Loss(used, a);
        Assert.Equal(Loss(fresh, b), Loss(used, b));
        using var fp32 = VaePasses.For(model, new SoftmaxEstimator(), 100, autograd: false);
        double full = Loss(fp32, b), half = Loss(used, b);
        Assert.NotEqual(full, half);
        Assert.True(Math.Abs(full - half) < 0.01 * full, $"bf16 {half} against fp32 {full}");
    }

    [Fact]
    public void Bfloat16_needs_the_fused_pass()
    {
        using var model = ModelFactory.Create(3, 4, reluOnLogits: false, seed: 2);
        Assert.Throws<ArgumentException>(() => VaePasses.For(model, new ScoreFunctionEstimator(), 10, autograd: false, Precision.Bf16));
        Assert.Throws<ArgumentException>(() => VaePasses.For(model, new GumbelSoftmaxEstimator(), 10, autograd: true, Precision.Bf16));
    }
}
