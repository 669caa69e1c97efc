using System.Collections;
using System.IO.Compression;
using System.Text.RegularExpressions;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CategoricalVae.Interop;

/// <summary>
/// Reads a state_dict written by `torch.save(model.state_dict(), path)` through TorchSharp.PyBridge. Its pickle
/// reader (Razorvine.Pickle) never executes code from the file: a reference to any function other than the few
/// torch and collections ones PyBridge maps becomes an inert record, and calling it (REDUCE) fails. What can still
/// cost memory is bounded here first: the zip's entries may not unpack to more than a state_dict of the model can
/// hold, and a tensor whose claimed shape exceeds the bytes stored for it fails when those bytes run out, before
/// any of its memory is touched.
/// </summary>
static partial class TorchSaveReader
{
    public static Dictionary<string, Tensor> Read(byte[] bytes, ExpectedStateDict expected)
    {
        CheckArchive(bytes, expected);
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(new MemoryStream(bytes, writable: false));
        }
        catch (InvalidCastException)
        {
            throw new WeightsFileException("its pickle holds something other than a state_dict (a dict of tensors).");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new WeightsFileException(Why(e));
        }
        var tensors = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry item in table)
        {
            if (item.Key is not string name || item.Value is not Tensor tensor)
                throw new WeightsFileException($"its pickle holds something other than a state_dict: the entry '{item.Key}' is not a named tensor.");
            tensors[name] = tensor;
        }
        return tensors;
    }

    /// <summary>A zip archive holding one pickle, whose entries unpack to no more than the model's state_dict can be.</summary>
    static void CheckArchive(byte[] bytes, ExpectedStateDict expected)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            int pickles = zip.Entries.Count(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal));
            if (pickles != 1)
                throw new WeightsFileException(pickles == 0
                    ? "it is a zip archive without a data.pkl, not a file written by torch.save."
                    : "it is a zip archive with several pickles, not a file written by torch.save.");
            long unpacked = zip.Entries.Sum(e => e.Length);
            if (unpacked > expected.MaxFileBytes)
                throw new WeightsFileException($"its entries unpack to {unpacked} bytes, more than a state_dict of a {expected.Model} model holds ({expected.MaxFileBytes} at most).");
        }
        catch (InvalidDataException)
        {
            throw new WeightsFileException("it is not a complete zip archive (truncated, or not written by torch.save).");
        }
    }

    /// <summary>What a failure of PyBridge's reader means for the user, in words rather than the library's types.</summary>
    static string Why(Exception e)
    {
        string message = e.Message.Split('\n')[0].Trim();
        if (CalledGlobal().Match(message) is { Success: true } call)
            return $"its pickle asks to call {call.Groups[1].Value}, which a state_dict never does (nothing from the file was run).";
        if (message.Contains("entire model", StringComparison.Ordinal))
            return "it holds a whole pickled module (torch.save(model)), not its state_dict: save model.state_dict() instead.";
        return e switch
        {
            EndOfStreamException => "a tensor claims more bytes than the file stores for it (truncated or corrupt).",
            InvalidOperationException when message.Contains("Sequence contains no", StringComparison.Ordinal) => "a tensor's storage is missing from the archive.",
            IOException or FormatException or InvalidDataException => $"its pickle is truncated or corrupt ({message}).",
            _ => $"it cannot be read as a state_dict ({message}).",
        };
    }

    /// <summary>Razorvine.Pickle's message when a pickle calls a function it does not know: "… (for os.system)".</summary>
    [GeneratedRegex(@"\(for ([\w.]+)\)")]
    private static partial Regex CalledGlobal();
}
