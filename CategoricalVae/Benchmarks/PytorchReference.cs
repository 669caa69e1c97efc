using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CategoricalVae.Common;

namespace CategoricalVae.Benchmarks;

/// <summary>
/// The original PyTorch script (CategoricalVae/Benchmarks/pytorch-reference) timed beside our own figure, at each thread count,
/// in float32 and under its own CPU mixed precision (torch.autocast to bfloat16), with OpenBLAS held to one thread so
/// its threads do not fight PyTorch's OpenMP ones and the same OpenMP spin settings as ours. Our figures are compared
/// with its best setting.
/// </summary>
public static class PytorchReference
{
    /// <param name="AutocastMsPerStepByThreads">Under torch.autocast to bfloat16; where the processor has no bfloat16
    /// dot products PyTorch emulates them many times slower, and only a short probe of <see cref="ProbeSteps"/> steps at
    /// one thread is timed (<paramref name="AutocastProbe"/>).</param>
    public sealed record Figures(string Python, string TorchVersion, string Blas, IReadOnlyDictionary<int, double> MsPerStepByThreads,
        IReadOnlyDictionary<int, double> AutocastMsPerStepByThreads, bool AutocastProbe)
    {
        public double BestMsPerStep => Math.Min(MsPerStepByThreads.Values.Min(), AutocastMsPerStepByThreads.Values.DefaultIfEmpty(double.PositiveInfinity).Min());
        public int BestThreads => BestIsAutocast ? AutocastMsPerStepByThreads.MinBy(kv => kv.Value).Key : MsPerStepByThreads.MinBy(kv => kv.Value).Key;
        public bool BestIsAutocast => AutocastMsPerStepByThreads.Values.DefaultIfEmpty(double.PositiveInfinity).Min() < MsPerStepByThreads.Values.Min();
    }

    /// <summary>Steps of the autocast probe on a processor without bfloat16 dot products.</summary>
    public const int ProbeSteps = 10;

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

    /// <param name="nativeBf16">Whether the processor has bfloat16 dot products (else autocast is only probed).</param>
    public static Figures Measure(string python, string script, string dataDir, int steps, int repeats, bool hard, IEnumerable<int> threads,
        IReadOnlyDictionary<string, string> openMp, bool nativeBf16)
    {
        var byThreads = new SortedDictionary<int, double>();
        var autocast = new SortedDictionary<int, double>();
        string torch = "?", blas = "?";
        foreach (int t in threads)
        {
            (byThreads[t], torch, blas) = Once(python, script, dataDir, steps, repeats, hard, t, openMp, autocast: false);
            if (nativeBf16)
                autocast[t] = Once(python, script, dataDir, steps, repeats, hard, t, openMp, autocast: true).MsPerStep;
        }
        if (!nativeBf16)
            autocast[1] = Once(python, script, dataDir, ProbeSteps, 1, hard, 1, openMp, autocast: true, warmup: 2).MsPerStep;
        // The interpreter by name: a report carries no path of the machine that made it.
        return new Figures(Path.GetFileName(python), torch, blas, byThreads, autocast, AutocastProbe: !nativeBf16);
    }

    static (double MsPerStep, string Torch, string Blas) Once(string python, string script, string dataDir, int steps, int repeats, bool hard, int threads,
        IReadOnlyDictionary<string, string> openMp, bool autocast, int? warmup = null)
    {
        string json = Path.Combine(Path.GetTempPath(), $"categoricalvae-pytorch-{Guid.NewGuid():N}.json");
        var env = new Dictionary<string, string>(openMp) { ["OPENBLAS_NUM_THREADS"] = "1" };
        List<string> args = [script, "--threads", I(threads), "--steps", I(steps), "--repeats", I(repeats), "--data-dir", dataDir, "--json", json];
        if (hard) args.Add("--hard");
        if (autocast) args.Add("--autocast-bf16");
        if (warmup is { } w) args.AddRange(["--warmup", I(w)]);
        try
        {
            var (code, output, error) = Run(python, args, env, TimeSpan.FromMinutes(30));
            if (code != 0)
                throw new UserFacingException($"the PyTorch reference failed at {threads} threads{(autocast ? " under autocast" : "")}: {(error + output).Trim().Split('\n')[^1]}");
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            return (doc.RootElement.GetProperty("ms_per_step").GetDouble(), doc.RootElement.GetProperty("torch_version").GetString() ?? "?",
                doc.RootElement.GetProperty("blas").GetString() ?? "?");
        }
        finally
        {
            File.Delete(json);
        }
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
