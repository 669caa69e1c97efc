using CategoricalVae.Model.Kernels;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Model.Kernels;

[Trait("Category", Category.Unit)]
public class Bf16KernelTests
{
    /// <summary>Every conversion equals libtorch's own float32 → bfloat16 rounding bit for bit: random values of every
    /// magnitude, exact ties (which round to even), the largest values, subnormals, infinities and NaN, in a length that
    /// leaves a tail after the vectors.</summary>
    [Fact]
    public unsafe void Conversion_rounds_to_nearest_even_exactly_as_libtorch()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(3);
        var values = new List<float>();
        for (int i = 0; i < 4000; i++)
            values.Add(BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31)));
        values.AddRange([0f, -0f, 1f, -1f, float.MaxValue, -float.MaxValue, float.Epsilon, 1e-40f, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
            BitConverter.Int32BitsToSingle(0x3F808000), BitConverter.Int32BitsToSingle(0x3F818000),   // ties: to 0x3F80 (even) and to 0x3F82
            BitConverter.Int32BitsToSingle(0x7F7F8000), BitConverter.Int32BitsToSingle(0x7F800001)]); // rounds to ∞; a signalling NaN
        float[] source = values.ToArray();
        var target = new ushort[source.Length];
        fixed (float* s = source)
        fixed (ushort* t = target)
            Bf16Kernel.FromFloat(s, t, source.Length);
        var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(tensor(source).to(ScalarType.BFloat16).bytes).ToArray();
        for (int i = 0; i < source.Length; i++)
        {
            bool nan = float.IsNaN(source[i]);
            Assert.True(nan ? float.IsNaN(Bf16Kernel.ToFloat(target[i])) : target[i] == expected[i],
                $"{source[i]:R} (0x{BitConverter.SingleToInt32Bits(source[i]):X8}): 0x{target[i]:X4}, libtorch 0x{expected[i]:X4}");
        }
    }
}
