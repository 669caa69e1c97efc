using System.Runtime.InteropServices;

namespace CategoricalVae.Native;

/// <summary>
/// libtorch's OpenMP (GNU libgomp on Linux) keeps idle worker threads spinning between parallel regions. On a
/// machine of its own that is fastest, but when another process wants a core the spinning thread takes it away,
/// and every matrix product then waits for a descheduled thread. Measured on 2 cores with one busy competing
/// process (300-step epochs): 2 threads 11.7–12.3 s with default spinning, 6.5–6.7 s with GOMP_SPINCOUNT=1000,
/// 5.0 s with 1 thread; alone: 3.5–4.0 s, 4.1–4.9 s and 4.8–5.3 s. Two runs side by side with default spinning
/// slowed each other 6–10×. Bounding the spin trades ≈20 % of idle-machine speed for graceful degradation.
/// It must be in the native environment before libgomp loads (its constructor reads it), and the user's own
/// OMP_WAIT_POLICY or GOMP_SPINCOUNT always wins. Spinning does not change results.
/// </summary>
public static partial class OpenMpSpin
{
    public const string SpinCount = "1000";

    public static void Apply()
    {
        if (!OperatingSystem.IsLinux()
            || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") != null
            || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") != null)
            return;
        try
        {
            // .NET's SetEnvironmentVariable does not reach native getenv on Unix; libc's setenv does.
            setenv("GOMP_SPINCOUNT", SpinCount, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
