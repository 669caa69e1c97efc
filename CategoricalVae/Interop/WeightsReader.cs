using System.Security.Cryptography;
using CategoricalVae.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Interop;

/// <summary>
/// Reads a state_dict from a PyTorch (torch.save) or safetensors file, told apart by their content, and checks every
/// tensor's name, shape and element type against the model. A file larger than the model's state_dict can be is
/// refused before it is read; float64, float16 and bfloat16 tensors are converted to float32 with a warning;
/// anything else that does not fit is refused with one line naming the file and the tensor (exit 2).
/// </summary>
public static class WeightsReader
{
    /// <param name="described">The JSON beside the file and the SHA-256 it gives the weights: a JSON that describes
    /// another file is refused before the weights are parsed.</param>
    public static ImportedWeights Read(string file, ExpectedStateDict expected, (string File, string Sha256)? described = null)
    {
        if (Directory.Exists(file))
            throw UserFacingException.Refused($"import: {file} is a folder, not a weights file.");
        if (!File.Exists(file))
            throw UserFacingException.Refused($"import: {file} does not exist.");
        long length = new FileInfo(file).Length;
        if (length > expected.MaxFileBytes)
            throw Refused(file, $"it is {Size(length)}, but a state_dict of a {expected.Model} model is at most {Size(expected.MaxFileBytes)} (float64); " +
                "it is not this model's weights (give --latent-dim and --categories if the model is larger).");
        if (length == 0)
            throw Refused(file, "it is empty.");
        byte[] bytes = File.ReadAllBytes(file);
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (described is { } json && json.Sha256 != sha256)
            throw UserFacingException.Refused($"import: {json.File} describes another weights file (its SHA-256 differs from {file}'s); move it away to import the weights without it.");
        var format = Sniff(bytes) ?? throw Refused(file, IsLegacyPickle(bytes)
            ? "it was saved in PyTorch's legacy format; save it again with torch.save(model.state_dict(), path) from PyTorch 1.6 or later."
            : "it is neither a PyTorch state_dict (torch.save's zip archive) nor a safetensors file.");

        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> read;
        try
        {
            read = format == WeightsFormat.Pytorch ? TorchSaveReader.Read(bytes, expected) : SafetensorsReader.Read(bytes, expected);
            if (expected.Problem(read.Select(kv => new TensorEntry(kv.Key, TypeName(kv.Value.dtype), kv.Value.shape)).ToList()) is { } problem)
                throw new WeightsFileException(problem);
        }
        catch (WeightsFileException e)
        {
            throw Refused(file, e.Message);
        }
        var (tensors, converted, warnings) = ToFloat32(file, read);
        foreach (var tensor in tensors.Values)
            tensor.MoveToOuterDisposeScope();
        return new ImportedWeights(format, sha256, tensors, converted, warnings);
    }

    /// <summary>The tensors as contiguous float32, refusing any that holds NaN or ∞ (after conversion, so a float64 value
    /// beyond float32's range counts too).</summary>
    static (Dictionary<string, Tensor>, List<string>, List<string>) ToFloat32(string file, Dictionary<string, Tensor> read)
    {
        var tensors = new Dictionary<string, Tensor>();
        var converted = new List<string>();
        double largestRounding = 0;
        foreach (var (name, tensor) in read)
        {
            var asFloat = tensor.to(ScalarType.Float32).contiguous();
            if (!asFloat.isfinite().all().item<bool>())
                throw Refused(file, tensor.dtype == ScalarType.Float64 && tensor.isfinite().all().item<bool>()
                    ? $"tensor {name} holds a value beyond float32's range."
                    : $"tensor {name} holds NaN or infinite values.");
            if (tensor.dtype != ScalarType.Float32)
                converted.Add($"{name} {TypeName(tensor.dtype)}");
            if (tensor.dtype == ScalarType.Float64)
                largestRounding = Math.Max(largestRounding, (asFloat.to(ScalarType.Float64) - tensor).abs().max().item<double>());
            tensors[name] = asFloat;
        }
        var warnings = new List<string>();
        foreach (var group in converted.GroupBy(c => c.Split(' ')[1]))
        {
            string names = string.Join(", ", group.Select(c => c.Split(' ')[0]));
            warnings.Add(group.Key == "float64"
                ? $"warning: {file}: {names} are float64 and were rounded to float32, the precision this program computes in (largest change {largestRounding:G2})."
                : $"warning: {file}: {names} are {group.Key} and were widened to float32 exactly; this program computes in float32, so results differ slightly from a {group.Key} run of the same model.");
        }
        return (tensors, converted, warnings);
    }

    /// <summary>torch.save's zip archive ("PK\x03\x04") or a safetensors header (a length, then "{"); null for anything else.</summary>
    static WeightsFormat? Sniff(byte[] bytes)
    {
        if (bytes.Length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4)
            return WeightsFormat.Pytorch;
        if (bytes.Length >= 9 && bytes[8] == '{')
            return WeightsFormat.Safetensors;
        return null;
    }

    /// <summary>torch.save before PyTorch 1.6 wrote a bare pickle (protocol 2: 0x80 0x02).</summary>
    static bool IsLegacyPickle(byte[] bytes) => bytes.Length >= 2 && bytes[0] == 0x80 && bytes[1] <= 5;

    static string TypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32", ScalarType.Float64 => "float64", ScalarType.Float16 => "float16", ScalarType.BFloat16 => "bfloat16",
        _ => type.ToString().ToLowerInvariant(),
    };

    static UserFacingException Refused(string file, string reason) => UserFacingException.Refused($"import: {file}: {reason}");

    static string Size(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GB" : bytes >= 1L << 20 ? $"{bytes / (double)(1L << 20):F1} MB" : $"{bytes} bytes";
}
