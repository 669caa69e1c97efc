using System.Runtime.InteropServices;

namespace CategoricalVae.Native;

/// <summary>Functions of the native libtorch that TorchSharp loaded, and of the libraries it links (MKL is inside it; on
/// Linux the dynamic loader also finds its OpenMP runtime through it).</summary>
public static unsafe class TorchExports
{
    /// <summary>The address of <paramref name="name"/>, or null where no such function is exported.</summary>
    public static void* Find(string name)
    {
        string library = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        foreach (string candidate in TorchRuntime.NativeCandidates(library))
            if (NativeLibrary.TryLoad(candidate, out var handle) && NativeLibrary.TryGetExport(handle, name, out var address))
                return (void*)address;
        return null;
    }
}
