using CategoricalVae.Model.Kernels;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model.Kernels;

/// <summary>
/// The output block against libtorch's own float32 sigmoid and binary cross-entropy (the source's loss), element by
/// element, through logits that saturate: a pixel whose p rounds to 1 (or to 0) costs the source's clamped 100 nats
/// and passes no gradient, and p and the gradient agree to float rounding everywhere. Between, the loss is the
/// exact one: libtorch's float32 log(1 − p) loses digits to cancellation there (at z = 12 it gives 11.991 nats for
/// the exact 12.000006), which the kernel's log(1 − p) = −z − log(1 + e^−z) does not.
/// </summary>
[Trait("Category", Category.Unit)]
public class OutputKernelTests
{
    static readonly float[] Logits = [-1000f, -150f, -95f, -88f, -60f, -30f, -5f, -0.5f, 0f, 0.5f, 5f, 12f, 15f, 20f, 40f, 150f, 1000f];
    static readonly float[] Targets = [0f, 0.25f, 1f];

    [Fact]
    public unsafe void Loss_and_gradient_are_libtorchs_float32_sigmoid_and_BCE_also_when_saturated()
    {
        int cols = Logits.Length * Targets.Length, batch = 3;
        float[] z = new float[cols], t = new float[cols];
        for (int i = 0; i < Logits.Length; i++)
            for (int j = 0; j < Targets.Length; j++)
                (z[i * Targets.Length + j], t[i * Targets.Length + j]) = (Logits[i], Targets[j]);

        // libtorch, in float32 as the source computes it: BCE(sigmoid(z), t) per element, and its gradient.
        using var scope = NewDisposeScope();
        var logits = tensor(z).requires_grad_(true);
        var losses = nn.functional.binary_cross_entropy(sigmoid(logits), tensor(t), reduction: nn.Reduction.None);
        (losses.sum() / batch).backward();
        float[] expectedLoss = losses.detach().data<float>().ToArray();
        float[] expectedGradient = logits.grad!.data<float>().ToArray();
        float[] expectedP = sigmoid(tensor(z)).data<float>().ToArray();

        float[] output = (float[])z.Clone(), bias = new float[cols], gradient = new float[cols];
        double total;
        fixed (float* o = output, b = bias, x = t, d = gradient)
            (total, _) = OutputKernel.Forward(o, b, x, d, 0, 1, cols, batch);

        for (int i = 0; i < cols; i++)
        {
            string where = $"z = {z[i]}, t = {t[i]}";
            Assert.True(Math.Abs(output[i] - expectedP[i]) <= 1e-6f, $"p at {where}: {output[i]} against {expectedP[i]}");
            Assert.True(Math.Abs(gradient[i] - expectedGradient[i]) <= 1e-6f + 1e-5f * Math.Abs(expectedGradient[i]),
                $"gradient at {where}: {gradient[i]} against {expectedGradient[i]}");
        }
        for (int i = 0; i < Logits.Length; i++)
            for (int j = 0; j < Targets.Length; j++)
            {
                float[] p = [Logits[i]], g = new float[1], target = [Targets[j]];
                double loss;
                fixed (float* o = p, b = new float[1], x = target, d = g)
                    (loss, _) = OutputKernel.Forward(o, b, x, d, 0, 1, 1, batch);
                double expected = SourceLoss(Logits[i], Targets[j], expectedP[i * Targets.Length]);
                Assert.True(Math.Abs(loss - expected) <= 1e-5 + 1e-6 * Math.Abs(expected), $"loss at z = {Logits[i]}, t = {Targets[j]}: {loss} against {expected}");
                if (expectedP[i * Targets.Length] is 0f or 1f) // clamped: exactly libtorch's figure
                    Assert.Equal(expectedLoss[i * Targets.Length + j], loss, 1e-4);
            }
        double exactTotal = Enumerable.Range(0, cols).Sum(i => SourceLoss(z[i], t[i], expectedP[i]));
        Assert.Equal(exactTotal, total, exactTotal * 1e-6);
    }

    /// <summary>The source's per-pixel BCE with its clamp at −100, computed exactly: where libtorch's float32 p
    /// (<paramref name="torchP"/>) is 1 its log(1 − p) is −100, where it is 0 its log p is.</summary>
    static double SourceLoss(double z, double t, float torchP)
    {
        double logP = torchP == 0f ? -100 : Math.Max(Math.Min(z, 0) - Math.Log(1 + Math.Exp(-Math.Abs(z))), -100);
        double logQ = torchP == 1f ? -100 : Math.Max(-Math.Max(z, 0) - Math.Log(1 + Math.Exp(-Math.Abs(z))), -100);
        return -(t * logP + (1 - t) * logQ);
    }
}
