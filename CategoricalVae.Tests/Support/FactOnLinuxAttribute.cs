using Xunit;

namespace CategoricalVae.Tests;

/// <summary>A fact about Linux (its /proc, glibc's allocator); elsewhere reported as skipped, saying why.</summary>
public sealed class FactOnLinuxAttribute : FactAttribute
{
    public FactOnLinuxAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "Linux-only: it reads /proc/self and depends on glibc's allocator";
    }
}
