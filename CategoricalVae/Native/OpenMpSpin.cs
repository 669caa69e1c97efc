using System.Runtime.InteropServices;

namespace CategoricalVae.Native;

/// <summary>
/// libtorch's OpenMP (GNU libgomp on Linux) keeps idle worker threads spinning between parallel regions. On a
/// machine of its own that is fastest, but when another process wants a core the spinning thread takes it away,
/// and every matrix product then waits for a descheduled thread (docs/performance.md has the measurements). The
/// spin is bounded by setting GOMP_SPINCOUNT in the native environment before libgomp loads (its constructor reads
/// it); the user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT always wins. Spinning does not change results.
/// </summary>
public static partial class OpenMpSpin
{
    public const string SpinCount = "1000";

    static readonly Dictionary<string, string> _settings = [];

    /// <summary>The OpenMP settings in force, for config.json and `bench --json`: what the user set, and the
    /// spin bound if this app set it.</summary>
    public static IReadOnlyDictionary<string, string> Settings
    {
        get
        {
            var all = new Dictionary<string, string>(_settings);
            foreach (string name in new[] { "GOMP_SPINCOUNT", "OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OMP_PROC_BIND" })
                if (Environment.GetEnvironmentVariable(name) is { } value)
                    all[name] = value;
            return all;
        }
    }

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux()
            || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") != null
            || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") != null)
            return;
        try
        {
            // .NET's SetEnvironmentVariable does not reach native getenv on Unix; libc's setenv does.
            if (setenv("GOMP_SPINCOUNT", SpinCount, 0) == 0)
                _settings["GOMP_SPINCOUNT"] = SpinCount;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
