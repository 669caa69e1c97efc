using System.IO.Compression;
using System.Text;
using CategoricalVae.Model;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CategoricalVae.Tests;

/// <summary>Weights files for the import tests, good and bad, written with the same library the app reads them with
/// (TorchSharp.PyBridge) or assembled byte by byte where a file must be something no library would write.</summary>
public static class WeightsFiles
{
    /// <summary>A state_dict of a freshly drawn model, float32, as the original names its tensors.</summary>
    public static Dictionary<string, Tensor> StateDict(int latentDim = 30, int categories = 10, long seed = 7)
    {
        using var model = ModelFactory.Create(latentDim, categories, reluOnLogits: true, seed);
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    public static void WritePt(string path, Dictionary<string, Tensor> stateDict)
    {
        using var file = File.Create(path);
        PyTorchPickler.PickleStateDict(file, stateDict);
    }

    public static void WriteSafetensors(string path, Dictionary<string, Tensor> stateDict)
    {
        using var file = File.Create(path);
        Safetensors.SaveStateDict(file, stateDict);
    }

    /// <summary>A zip laid out as torch.save lays it out, with <paramref name="pickle"/> as its data.pkl and the given
    /// storages as data/0, data/1, ….</summary>
    public static void WriteTorchZip(string path, byte[] pickle, params byte[][] storages)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using (var version = zip.CreateEntry("archive/version").Open())
            version.Write("3\n"u8);
        using (var data = zip.CreateEntry("archive/data.pkl").Open())
            data.Write(pickle);
        for (int i = 0; i < storages.Length; i++)
            using (var storage = zip.CreateEntry($"archive/data/{i}").Open())
                storage.Write(storages[i]);
    }

    /// <summary>A protocol-0 pickle written out as text (each opcode a character; see Python's pickletools).</summary>
    public static byte[] Pickle(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>The data.pkl of a PyBridge-written state_dict holding one float tensor of <paramref name="count"/>
    /// elements, with its shape (the last 4-byte integer equal to the count) replaced by <paramref name="claimedCount"/>.
    /// The count must be at least 65 536, which the pickle writes as a 4-byte integer.</summary>
    public static (byte[] Pickle, byte[] Storage) OneTensorClaiming(string name, int count, int claimedCount)
    {
        using var buffer = new MemoryStream();
        PyTorchPickler.PickleStateDict(buffer, new Dictionary<string, Tensor> { [name] = zeros(count) }, leaveOpen: true);
        buffer.Position = 0;
        using var zip = new ZipArchive(buffer, ZipArchiveMode.Read);
        using var pickleStream = zip.Entries.Single(e => e.Name == "data.pkl").Open();
        using var copy = new MemoryStream();
        pickleStream.CopyTo(copy);
        byte[] pickle = copy.ToArray();
        // BININT ('J') then the little-endian count: the storage's element count first, the tensor's shape last.
        int at = pickle.AsSpan().LastIndexOf(BitConverter.GetBytes(count));
        BitConverter.GetBytes(claimedCount).CopyTo(pickle, at);
        return (pickle, new byte[count * 4]);
    }
}
