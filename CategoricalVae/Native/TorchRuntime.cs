using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

using CategoricalVae.Common;

namespace CategoricalVae.Native;

/// <summary>
/// Loads libtorch once, early, and turns TorchSharp's multi-page load failure into one actionable line
/// (the full trace goes to a file).
/// </summary>
public static class TorchRuntime
{
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>libtorch version as the native library reports it, e.g. "2.10.0".</summary>
    public static string LibTorchVersion
    {
        get
        {
            try { return torch.__version__; }
            catch (Exception) { return "unknown"; }
        }
    }

    /// <summary>Whether this build carries libtorch's CUDA backend, told from the native files beside the app without
    /// loading any: the CPU build (TorchSharp-cpu) has libtorch_cpu but no libtorch_cuda. Null when the native files
    /// are not where a build puts them (then loading decides).</summary>
    public static bool? BuildHasCuda
    {
        get
        {
            if (OperatingSystem.IsMacOS())
                return false;
            return NativeDirectory() is { } directory
                ? File.Exists(Path.Combine(directory, OperatingSystem.IsWindows() ? "torch_cuda.dll" : "libtorch_cuda.so"))
                : null;
        }
    }

    /// <summary>Throws <see cref="UserFacingException"/> with one line if the native backend cannot load.</summary>
    public static void EnsureLoaded(string traceDirectory, bool cuda = false)
    {
        string? loaderError = PreloadNativeLibraries(cuda);
        if (loaderError != null)
        {
            string trace = WriteTrace(traceDirectory, loaderError);
            throw new UserFacingException(
                $"The native TorchSharp library failed to load: {LoaderReason(loaderError)}; details in {trace}. " +
                "Rebuild with 'dotnet build' (the build patches libLibTorchSharp.so for older libstdc++) and check that the file named there exists.");
        }
        try
        {
            if (cuda)
                torch.InitializeDeviceType(DeviceType.CUDA);
            using var probe = torch.zeros(1);
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException
                                     or EntryPointNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            string trace = WriteTrace(traceDirectory, e.ToString());
            throw new UserFacingException(
                $"TorchSharp could not load its native libtorch {(cuda ? "CUDA" : "CPU")} backend; full trace in {trace}. " +
                (cuda
                    ? "Check the NVIDIA driver and that the project was built with -p:TorchBackend=cuda, or use --device cpu."
                    : "Rebuild with 'dotnet build' (it patches libLibTorchSharp.so for older libstdc++) and check the trace for the library that failed."));
        }
    }

    /// <summary>
    /// Loads libtorch and LibTorchSharp from the app's own output before TorchSharp does. On failure this
    /// yields the loader's real reason (TorchSharp's own fallback hides it and copies 1.5 GB of natives).
    /// Returns null when loaded, or when the files are not where a normal build puts them (then TorchSharp's
    /// own search decides).
    /// </summary>
    static string? PreloadNativeLibraries(bool cuda)
    {
        string? directory = NativeDirectory();
        if (directory == null)
            return null;
        string[] names = OperatingSystem.IsWindows()
            ? [cuda ? "torch_cuda.dll" : "torch_cpu.dll", "LibTorchSharp.dll"]
            : OperatingSystem.IsMacOS()
                ? ["libtorch_cpu.dylib", "libLibTorchSharp.dylib"]
                : [cuda ? "libtorch_cuda.so" : "libtorch_cpu.so", "libLibTorchSharp.so"];
        foreach (string name in names)
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path))
                return null;
            try
            {
                NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                return $"{path}: {e.Message}";
            }
        }
        return null;
    }

    /// <summary>Where <paramref name="library"/> is looked for: the app's native folder first, then the loader's own search.</summary>
    public static IEnumerable<string> NativeCandidates(string library)
    {
        if (NativeDirectory() is { } directory)
            yield return Path.Combine(directory, library);
        yield return library;
    }

    static string? NativeDirectory()
    {
        string baseDir = AppContext.BaseDirectory;
        string rid = (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
                     RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        foreach (string candidate in new[] { Path.Combine(baseDir, "runtimes", rid, "native"), baseDir })
            if (File.Exists(Path.Combine(candidate, OperatingSystem.IsWindows() ? "LibTorchSharp.dll" :
                    OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so")))
                return candidate;
        return null;
    }

    /// <summary>The dynamic loader's own words (dlerror), which .NET puts on the last line of its message.</summary>
    static string LoaderReason(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? text;
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    static string WriteTrace(string directory, string details) => ErrorDetails.Write(directory, "torchsharp-load-error", details);
}
