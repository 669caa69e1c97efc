using CategoricalVae.Runs;

namespace CategoricalVae.Interop;

/// <summary>The names of <see cref="WeightsFormat"/> on the command line and in files.</summary>
public static class WeightsFormats
{
    public static readonly string[] Names = ["pt", "safetensors"];

    public static string Name(WeightsFormat format) => format == WeightsFormat.Pytorch ? "pt" : "safetensors";

    public static WeightsFormat Parse(string name) => name.Equals("safetensors", StringComparison.OrdinalIgnoreCase) ? WeightsFormat.Safetensors : WeightsFormat.Pytorch;

    public static string Extension(WeightsFormat format) => format == WeightsFormat.Pytorch ? RunLayout.PytorchExtension : RunLayout.SafetensorsExtension;
}
