using System.Diagnostics;
using Xunit;

namespace CategoricalVae.Tests;

/// <summary>A fact that needs a working Slurm (sbatch on PATH and a controller that answers, as
/// scripts/slurm-local.sh sets up); elsewhere it is reported as skipped, saying why.</summary>
public sealed class FactWhenSlurmAttribute : FactAttribute
{
    public FactWhenSlurmAttribute()
    {
        if (Problem() is { } problem)
            Skip = $"Slurm test skipped: {problem} (run scripts/slurm-local.sh as root to set up a single-node Slurm)";
    }

    static string? Problem()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("sinfo", "-h -o %T") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(20_000);
            if (p.ExitCode != 0) return "sinfo cannot reach a Slurm controller";
            return output.Contains("idle", StringComparison.Ordinal) || output.Contains("mix", StringComparison.Ordinal) ? null : $"no idle Slurm node ({output.Trim()})";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "sinfo/sbatch are not installed";
        }
    }
}
