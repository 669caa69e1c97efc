using System.Runtime.InteropServices;
using Xunit;

namespace CategoricalVae.Tests;

/// <summary>A fact that holds only on x86-64 with FMA (where FusedAdam reproduces libtorch's kernels bit for bit);
/// elsewhere it is reported as skipped, with the reason.</summary>
public sealed class FactOnX64WithFmaAttribute : FactAttribute
{
    public FactOnX64WithFmaAttribute()
    {
        if (RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64 || !System.Runtime.Intrinsics.X86.Fma.IsSupported)
            Skip = $"bit-identity with libtorch's Adam holds on x86-64 with FMA only (this is {RuntimeInformation.ProcessArchitecture})";
    }
}
