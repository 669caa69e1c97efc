using CategoricalVae.Native;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Native;

/// <summary>MKL's sgemm in halves on the OpenMP team against libtorch's matmul: every transposition the fused pass
/// uses, the model's shapes and awkward ones (a single row, widths that are not a multiple of 16, wider than tall and
/// taller than wide), on one thread and on two.</summary>
[Trait("Category", Category.Unit)]
public class TeamProductTests
{
    [Fact]
    public void Sgemm_is_found_on_Linux()
    {
        if (OperatingSystem.IsLinux())
            Assert.True(TeamProduct.IsAvailable, "sgemm_ or MKL_Set_Num_Threads_Local not exported by libtorch_cpu");
    }

    [Theory]
    [InlineData(100, 512, 784)]
    [InlineData(100, 300, 256)]
    [InlineData(1, 37, 5)]
    [InlineData(13, 7, 300)]
    [InlineData(517, 33, 19)]
    public unsafe void Products_equal_libtorchs_for_every_transposition(int m, int n, int k)
    {
        if (!TeamProduct.IsAvailable)
            return;
        using var scope = NewDisposeScope();
        using var g = new Generator(5);
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (int threads in new[] { 1, 2 })
                {
                    // Stored as op(X) needs: transposed operands are stored the other way round.
                    var a = transA ? randn(k, m, generator: g) : randn(m, k, generator: g);
                    var b = transB ? randn(n, k, generator: g) : randn(k, n, generator: g);
                    var expected = matmul(transA ? a.t() : a, transB ? b.t() : b);
                    var c = full(m, n, float.NaN);
                    new TeamProduct(threads).Multiply(transA, transB, m, n, k, Pointer(a), (int)a.shape[1], Pointer(b), (int)b.shape[1], Pointer(c), n);
                    float scale = expected.abs().max().item<float>();
                    float worst = (c - expected).abs().max().item<float>();
                    Assert.True(worst <= 1e-5f * scale, $"{m}×{n}×{k}, transA {transA}, transB {transB}, {threads} threads: max |Δ| {worst} of {scale}");
                }
    }

    static unsafe float* Pointer(Tensor t) =>
        (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(t.bytes));
}
