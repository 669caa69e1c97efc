using System.Runtime.Intrinsics.X86;

namespace CategoricalVae.Native;

/// <summary>
/// What the processor offers mixed precision: bfloat16 dot products in hardware, through AVX512-BF16 (CPUID leaf 7,
/// sub-leaf 1, EAX bit 5, usable where the OS saves AVX-512 state) or AMX-BF16 (leaf 7, EDX bit 22). Without them
/// MKL's bfloat16 product converts its operands and multiplies in float32: the same arithmetic, no faster than
/// float32 (measured in docs/performance.md). ARM64 builds of libtorch carry no MKL, so there is no bfloat16 product
/// to call at all.
/// </summary>
/// <param name="Description">The architecture and its widest vector instructions, e.g. "x86-64 with AVX2".</param>
public sealed record ProcessorFeatures(bool NativeBf16, string Description)
{
    /// <summary>This processor's features.</summary>
    public static ProcessorFeatures Current { get; } = Detect();

    static ProcessorFeatures Detect()
    {
        if (!X86Base.IsSupported)
            return new(false, $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, no MKL");
        var (_, _, _, edx) = X86Base.CpuId(7, 0);
        var (eax1, _, _, _) = X86Base.CpuId(7, 1);
        bool avx512Bf16 = Avx512F.IsSupported && (eax1 & (1 << 5)) != 0;
        bool amxBf16 = (edx & (1 << 22)) != 0;
        string what = avx512Bf16 && amxBf16 ? "AVX512-BF16 and AMX-BF16" : avx512Bf16 ? "AVX512-BF16" : amxBf16 ? "AMX-BF16"
            : Avx512F.IsSupported ? "AVX-512" : Avx2.IsSupported ? "AVX2" : "SSE";
        return new(avx512Bf16 || amxBf16, $"x86-64 with {what}");
    }
}
