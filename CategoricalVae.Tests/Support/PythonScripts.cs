using System.Diagnostics;
using CategoricalVae.Benchmarks;

namespace CategoricalVae.Tests;

/// <summary>Runs the repository's pytorch/ scripts with Debian's interpreter (the tests that use it are
/// <see cref="FactWhenPytorchAttribute"/>s), OpenBLAS held to one thread so it does not fight PyTorch's.</summary>
public static class PythonScripts
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string Path(string script) => System.IO.Path.Combine(SourceTree.Root, "pytorch", script);

    public static Result Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo(PytorchReference.DefaultPython)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = SourceTree.Root,
        };
        start.ArgumentList.Add(Path(script));
        foreach (string a in args)
            start.ArgumentList.Add(a);
        start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish in 10 minutes");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
