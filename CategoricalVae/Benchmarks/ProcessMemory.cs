using System.Diagnostics;

namespace CategoricalVae.Benchmarks;

/// <summary>The process's peak resident memory.</summary>
public static class ProcessMemory
{
    /// <summary>Peak RSS in MB: VmHWM on Linux, the peak working set elsewhere.</summary>
    public static double PeakRssMb()
    {
        if (OperatingSystem.IsLinux())
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
