using System.Security.Cryptography;
using CategoricalVae.Common;
using CategoricalVae.Model;
using CategoricalVae.Runs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CategoricalVae.Interop;

/// <summary>
/// Writes a trained run's model as the original VAE_gumbel's state_dict (fc1.weight … fc6.bias, float32), through
/// TorchSharp.PyBridge: a torch.save zip that `model.load_state_dict(torch.load(path))` loads strictly, or
/// safetensors; and beside it the JSON that says how to rebuild and use it (<see cref="ExchangeMetadata"/>).
/// </summary>
public static class ModelExport
{
    /// <summary>Writes <paramref name="file"/> and its JSON (each whole or not at all) and returns what the JSON says.</summary>
    public static ExchangeMetadata Write(TrainedRun run, CategoricalVaeModel model, WeightsFormat format, string file, AtomicWriter writer)
    {
        using var scope = NewDisposeScope();
        var stateDict = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().to(ScalarType.Float32).contiguous());
        using var buffer = new MemoryStream();
        if (format == WeightsFormat.Pytorch)
            PyTorchPickler.PickleStateDict(buffer, stateDict, leaveOpen: true);
        else
            Safetensors.SaveStateDict(buffer, stateDict, leaveOpen: true);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var metadata = ExchangeMetadata.For(run, format, file, Convert.ToHexStringLower(SHA256.HashData(bytes)),
            stateDict.Select(kv => (kv.Key, kv.Value.shape)));
        writer.Write(file, bytes);
        writer.WriteText(RunLayout.ExportMetadataFile(file), metadata.ToJson());
        return metadata;
    }
}
