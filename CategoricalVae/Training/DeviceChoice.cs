using CategoricalVae.Common;
using CategoricalVae.Native;
using TorchSharp;

namespace CategoricalVae.Training;

/// <summary>The --device rule: auto, cpu or cuda, and cuda only where this build and machine have it.</summary>
public static class DeviceChoice
{
    /// <summary>Why <paramref name="device"/> cannot be used by this build, or null. Decided from the build's native
    /// files without loading libtorch, so every command refuses --device cuda up front on the CPU build.</summary>
    public static string? Problem(string device) =>
        device == "cuda" && TorchRuntime.BuildHasCuda == false
            ? "--device cuda: this build has no CUDA (it is the CPU build); build with -p:TorchBackend=cuda on a machine with an NVIDIA driver, or use --device cpu."
            : null;

    /// <summary>Resolves auto|cpu|cuda to a torch device; cuda without CUDA is a clear error.</summary>
    public static torch.Device Resolve(string name) => name switch
    {
        "cpu" => torch.CPU,
        "cuda" => torch.cuda.is_available()
            ? torch.CUDA
            : throw UserFacingException.Refused("--device cuda: CUDA is not available (build with -p:TorchBackend=cuda on a machine with an NVIDIA driver), or use --device cpu."),
        _ => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
    };
}
