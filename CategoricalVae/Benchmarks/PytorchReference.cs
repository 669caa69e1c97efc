using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CategoricalVae.Common;

namespace CategoricalVae.Benchmarks;

/// <summary>
/// The original PyTorch script (CategoricalVae/Benchmarks/pytorch-reference) timed beside our own figure, at each thread count,
/// with OpenBLAS held to one thread so its threads do not fight PyTorch's OpenMP ones (its best setting) and the
/// same OpenMP spin settings as ours.
/// </summary>
public static class PytorchReference
{
    public sealed record Figures(string Python, string TorchVersion, string Blas, IReadOnlyDictionary<int, double> MsPerStepByThreads)
    {
        public int BestThreads => MsPerStepByThreads.MinBy(kv => kv.Value).Key;
        public double BestMsPerStep => MsPerStepByThreads.Values.Min();
    }

    public const string ScriptPath = "CategoricalVae/Benchmarks/pytorch-reference/vae_gumbel_bench.py";

    /// <summary>Debian's interpreter, which sees python3-torch; a pyenv or virtualenv python3 on PATH usually does not.</summary>
    public static string DefaultPython => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static string? FindScript() =>
        Checkout.Root(AppContext.BaseDirectory) is { } root && File.Exists(Path.Combine(root, ScriptPath)) ? Path.Combine(root, ScriptPath) : null;

    /// <summary>Why PyTorch cannot be timed here, or null when `import torch` works.</summary>
    public static string? Problem(string python)
    {
        try
        {
            var (code, _, error) = Run(python, ["-c", "import torch"], new Dictionary<string, string>(), TimeSpan.FromMinutes(2));
            return code == 0 ? null : $"{python} -c \"import torch\" failed: {error.Trim().Split('\n')[^1]}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot start {python}: {e.Message}";
        }
    }

    public static Figures Measure(string python, string script, string dataDir, int steps, int repeats, bool hard, IEnumerable<int> threads,
        IReadOnlyDictionary<string, string> openMp)
    {
        var byThreads = new SortedDictionary<int, double>();
        string torch = "?", blas = "?";
        foreach (int t in threads)
        {
            string json = Path.Combine(Path.GetTempPath(), $"categoricalvae-pytorch-{Guid.NewGuid():N}.json");
            var env = new Dictionary<string, string>(openMp) { ["OPENBLAS_NUM_THREADS"] = "1" };
            List<string> args = [script, "--threads", I(t), "--steps", I(steps), "--repeats", I(repeats), "--data-dir", dataDir, "--json", json];
            if (hard) args.Add("--hard");
            try
            {
                var (code, output, error) = Run(python, args, env, TimeSpan.FromMinutes(30));
                if (code != 0)
                    throw new UserFacingException($"the PyTorch reference failed at {t} threads: {(error + output).Trim().Split('\n')[^1]}");
                using var doc = JsonDocument.Parse(File.ReadAllText(json));
                byThreads[t] = doc.RootElement.GetProperty("ms_per_step").GetDouble();
                torch = doc.RootElement.GetProperty("torch_version").GetString() ?? "?";
                blas = doc.RootElement.GetProperty("blas").GetString() ?? "?";
            }
            finally
            {
                File.Delete(json);
            }
        }
        return new Figures(python, torch, blas, byThreads);
    }

    static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    static (int Code, string Output, string Error) Run(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string> env, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new UserFacingException($"{file} did not finish in {timeout.TotalMinutes:F0} minutes");
        }
        p.WaitForExit();
        return (p.ExitCode, output.Result, error.Result);
    }
}
