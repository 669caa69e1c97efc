using System.Runtime.InteropServices;

namespace CategoricalVae.Native;

/// <summary>
/// MKL's vector square root, called directly from the libtorch that TorchSharp loaded. libtorch's own
/// <c>sqrt</c> on float32 CPU tensors is this function (its results are not always correctly rounded), so an
/// optimizer that calls it on small chunks matches <c>torch.sqrt</c> bit for bit without a pass over a whole
/// tensor. Null where the library does not export it (builds without MKL, e.g. on macOS or arm64).
/// </summary>
public static unsafe class MklVml
{
    static readonly delegate* unmanaged<int, float*, float*, void> SquareRootFunction = (delegate* unmanaged<int, float*, float*, void>)Find("vsSqrt");
    static readonly delegate* unmanaged<int, int> SetLocalThreads = (delegate* unmanaged<int, int>)Find("MKL_Set_Num_Threads_Local");

    public static bool HasSquareRoot => SquareRootFunction != null;

    /// <summary>y[i] = √a[i] for i &lt; n; a and y may be the same array.</summary>
    public static void SquareRoot(int n, float* a, float* y)
    {
        if (SquareRootFunction == null)
            throw new InvalidOperationException("MKL's vsSqrt is not available in this libtorch");
        SquareRootFunction(n, a, y);
    }

    /// <summary>Makes MKL run single-threaded on the calling thread until the returned value is disposed. VML
    /// otherwise opens an OpenMP parallel region per call, which for small chunks costs far more than the work.</summary>
    public static SequentialScope Sequential() => new(SetLocalThreads == null ? -1 : SetLocalThreads(1));

    public readonly struct SequentialScope(int previous) : IDisposable
    {
        public void Dispose()
        {
            if (previous >= 0)
                SetLocalThreads(previous);
        }
    }

    static void* Find(string name)
    {
        string library = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        foreach (string candidate in TorchRuntime.NativeCandidates(library))
            if (NativeLibrary.TryLoad(candidate, out var handle) && NativeLibrary.TryGetExport(handle, name, out var address))
                return (void*)address;
        return null;
    }
}
