using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace CategoricalVae.Native;

/// <summary>The native memory of a float32 CPU tensor, for the vectorised loops and direct MKL calls (libtorch's
/// memory never moves while the tensor lives).</summary>
public static unsafe class TensorMemory
{
    /// <summary>The address of the tensor's first element.</summary>
    public static float* Pointer(Tensor t) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
}
