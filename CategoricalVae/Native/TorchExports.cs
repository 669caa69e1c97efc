using System.Runtime.InteropServices;

namespace CategoricalVae.Native;

/// <summary>Functions of the native libtorch that TorchSharp loaded, and of the libraries it links (MKL is inside it; on
/// Linux the dynamic loader also finds its OpenMP runtime through it).</summary>
public static unsafe class TorchExports
{
    /// <summary>Exports to treat as absent, set before any of them is first looked up: a process on Linux then takes the
    /// paths of the platforms whose libtorch lacks them (Windows' torch_cpu.dll exports neither MKL's products nor
    /// libgomp's GOMP_parallel), which is how those paths are exercised where only Linux runs.</summary>
    public static IReadOnlySet<string> Hidden { get; set; } = new HashSet<string>();

    /// <summary>The address of <paramref name="name"/>, or null where no such function is exported.</summary>
    public static void* Find(string name)
    {
        if (Hidden.Contains(name))
            return null;
        string library = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        foreach (string candidate in TorchRuntime.NativeCandidates(library))
            if (NativeLibrary.TryLoad(candidate, out var handle) && NativeLibrary.TryGetExport(handle, name, out var address))
                return (void*)address;
        return null;
    }
}
