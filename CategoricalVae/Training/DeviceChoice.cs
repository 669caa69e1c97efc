using CategoricalVae.Common;
using TorchSharp;

namespace CategoricalVae.Training;

public static class DeviceChoice
{
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
