using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Runs;

/// <summary>
/// checkpoint.bin: magic, format version, JSON state, model weights, Adam state, then a SHA-256 of
/// everything before it. Written to a temp file, flushed to disk and renamed over the old one, so a kill at
/// any moment leaves either the previous or the new checkpoint, whole. Truncation or garbage is detected
/// on load by the magic, the lengths and the hash.
/// </summary>
public static class Checkpoint
{
    static readonly byte[] Magic = "CVAECKPT"u8.ToArray();
    const int FormatVersion = 1;

    public static void Save(string path, CheckpointState state, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer)
    {
        string temp = path + ".tmp";
        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(FormatVersion);
                WriteBlock(writer, JsonSerializer.SerializeToUtf8Bytes(state));
                WriteBlock(writer, Capture(w => model.save(w)));
                WriteBlock(writer, Capture(optimizer.save_state_dict));
                writer.Flush();
            }
            buffer.Write(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));

            try
            {
                using var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None);
                byte[] bytes = buffer.GetBuffer();
                int half = (int)buffer.Length / 2;
                file.Write(bytes, 0, half);
                Training.TestHooks.MidWrite("checkpoint", file);
                file.Write(bytes, half, (int)buffer.Length - half);
                file.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                TryDelete(temp); // the previous checkpoint.bin is untouched
                throw;
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads the state; when <paramref name="model"/> and <paramref name="optimizer"/> are given, loads them.</summary>
    public static CheckpointState Load(string path, nn.Module? model = null, TorchSharp.Modules.OptimizerHelper? optimizer = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{path}: cannot be read: {e.Message}");
        }
        const int HashLength = 32;
        if (bytes.Length < Magic.Length + 4 + HashLength || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new UserFacingException($"{path}: not a CategoricalVae checkpoint (bad magic or too short).");
        int body = bytes.Length - HashLength;
        if (!SHA256.HashData(bytes.AsSpan(0, body)).AsSpan().SequenceEqual(bytes.AsSpan(body)))
            throw new UserFacingException($"{path}: checkpoint is truncated or corrupt (hash mismatch).");

        using var reader = new BinaryReader(new MemoryStream(bytes, 0, body));
        reader.ReadBytes(Magic.Length);
        int version = reader.ReadInt32();
        if (version != FormatVersion)
            throw new UserFacingException($"{path}: checkpoint format {version} is not supported (this build reads {FormatVersion}).");
        var state = JsonSerializer.Deserialize<CheckpointState>(ReadBlock(reader))
                    ?? throw new UserFacingException($"{path}: checkpoint has no state.");
        byte[] weights = ReadBlock(reader);
        byte[] moments = ReadBlock(reader);
        if (model != null)
        {
            using var r = new BinaryReader(new MemoryStream(weights));
            model.load(r);
        }
        if (optimizer != null)
        {
            using var r = new BinaryReader(new MemoryStream(moments));
            optimizer.load_state_dict(r);
        }
        return state;
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }

    static byte[] Capture(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
            writer.Flush();
        }
        return stream.ToArray();
    }

    static void WriteBlock(BinaryWriter writer, byte[] block)
    {
        writer.Write(block.LongLength);
        writer.Write(block);
    }

    static byte[] ReadBlock(BinaryReader reader)
    {
        long length = reader.ReadInt64();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new UserFacingException("checkpoint block length is out of range (file corrupt).");
        return reader.ReadBytes((int)length);
    }
}
