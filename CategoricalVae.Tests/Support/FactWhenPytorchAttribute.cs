using CategoricalVae.Benchmarks;
using Xunit;

namespace CategoricalVae.Tests;

/// <summary>A fact that needs PyTorch (Debian's python3-torch); elsewhere reported as skipped, saying why.</summary>
public sealed class FactWhenPytorchAttribute : FactAttribute
{
    public FactWhenPytorchAttribute()
    {
        if (PytorchReference.Problem(PytorchReference.DefaultPython) is { } problem)
            Skip = $"PyTorch comparison skipped: {problem} (apt-get install python3-torch libopenblas0-pthread)";
    }
}
