using CategoricalVae.Native;
using Xunit;

namespace CategoricalVae.Tests;

/// <summary>A fact about the CPU build (no libtorch CUDA backend beside the app); on a CUDA build reported as
/// skipped, saying why.</summary>
public sealed class FactOnCpuBuildAttribute : FactAttribute
{
    public FactOnCpuBuildAttribute()
    {
        if (TorchRuntime.BuildHasCuda != false)
            Skip = "CPU-build test skipped: this build carries libtorch's CUDA backend (or its native files are not where a build puts them)";
    }
}
