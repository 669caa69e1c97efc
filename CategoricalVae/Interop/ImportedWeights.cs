using CategoricalVae.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Interop;

/// <summary>A weights file's tensors after every check, float32 and named as the model's; disposing frees them.</summary>
public sealed class ImportedWeights : IDisposable
{
    readonly Dictionary<string, Tensor> _tensors;

    internal ImportedWeights(WeightsFormat format, string sha256, Dictionary<string, Tensor> tensors, IReadOnlyList<string> converted, IReadOnlyList<string> warnings)
    {
        (Format, Sha256, _tensors, Converted, Warnings) = (format, sha256, tensors, converted, warnings);
    }

    public WeightsFormat Format { get; }

    /// <summary>SHA-256 of the file's bytes (hex).</summary>
    public string Sha256 { get; }

    /// <summary>"fc1.weight float64", … for every tensor that was not float32 in the file.</summary>
    public IReadOnlyList<string> Converted { get; }

    /// <summary>One line per kind of conversion, to show the user.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Copies the weights into <paramref name="model"/>, whose shape they were checked against.</summary>
    public void LoadInto(CategoricalVaeModel model)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in model.state_dict())
            parameter.copy_(_tensors[name]);
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
            tensor.Dispose();
    }
}
