using System.Diagnostics;

namespace CategoricalVae.Tests;

/// <summary>Runs the real CategoricalVae executable (built next to the tests) as a child process.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string AppDll => Path.Combine(AppContext.BaseDirectory, "CategoricalVae.dll");

    /// <param name="dll">The assembly to run: the app by default, or the tests' own entry point (<see cref="ChildMain"/>).</param>
    public static Process Start(string workDir, IEnumerable<string> args, IDictionary<string, string>? env = null, string? dll = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll ?? AppDll);
        foreach (string a in args)
            start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            start.Environment[k] = v;
        return Process.Start(start)!;
    }

    public static Result Run(string workDir, IEnumerable<string> args, IDictionary<string, string>? env = null, int timeoutSeconds = 600, string? dll = null)
    {
        using var p = Start(workDir, args, env, dll);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"CategoricalVae {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>SIGTERM. (SIGINT would be the terminal's Ctrl+C, but a child of the test host inherits SIGINT
    /// as ignored, which .NET rightly respects; the app handles both signals through the same path.)</summary>
    public static void Terminate(Process p)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException();
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", p.Id.ToString()]) { RedirectStandardError = true })!;
        string error = kill.StandardError.ReadToEnd();
        kill.WaitForExit();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -TERM {p.Id} failed: {error}");
    }
}
