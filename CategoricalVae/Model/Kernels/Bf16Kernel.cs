using System.Runtime.Intrinsics;

namespace CategoricalVae.Model.Kernels;

/// <summary>float32 → bfloat16, rounded to nearest even: the upper 16 bits of x + 0x7FFF + (bit 16 of x), as every
/// bfloat16 conversion of libtorch and MKL rounds; a NaN stays a (quiet) NaN.</summary>
internal static unsafe class Bf16Kernel
{
    public static void FromFloat(float* source, ushort* target, long n)
    {
        uint* bits = (uint*)source;
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var bias = Vector256.Create(0x7FFFu);
            var one = Vector256.Create(1u);
            var magnitude = Vector256.Create(0x7FFFFFFFu);
            var infinity = Vector256.Create(0x7F800000u);
            var quiet = Vector256.Create(0x00400000u);
            for (long last = n - 2 * Vector256<uint>.Count; i <= last; i += 2 * Vector256<uint>.Count)
            {
                var low = Round(Vector256.Load(bits + i));
                var high = Round(Vector256.Load(bits + i + Vector256<uint>.Count));
                Vector256.Narrow(low, high).Store(target + i);
            }

            Vector256<uint> Round(Vector256<uint> x)
            {
                var rounded = x + bias + ((x >> 16) & one);
                var nan = Vector256.GreaterThan(x & magnitude, infinity);
                return Vector256.ConditionalSelect(nan, x | quiet, rounded) >> 16;
            }
        }
        for (; i < n; i++)
            target[i] = One(bits[i]);
    }

    static ushort One(uint x) =>
        (x & 0x7FFFFFFFu) > 0x7F800000u ? (ushort)((x | 0x00400000u) >> 16) : (ushort)((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);

    /// <summary>The float32 value of a bfloat16 (exact).</summary>
    public static float ToFloat(ushort h) => BitConverter.Int32BitsToSingle(h << 16);
}
