using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CategoricalVae.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Runs;

/// <summary>
/// checkpoint.bin: magic, format version, JSON state, model weights, Adam state, then a SHA-256 of everything
/// before it. Written through <see cref="AtomicWriter"/>, so a kill at any moment leaves either the previous or the
/// new checkpoint, whole. Truncation or garbage is detected on load by the magic, the lengths and the hash.
/// </summary>
public static class Checkpoint
{
    static readonly byte[] Magic = "CVAECKPT"u8.ToArray();
    const int FormatVersion = 1;
    const int HashLength = 32;

    public static void Save(string path, CheckpointState state, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer, AtomicWriter writer)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            WriteBlock(w, JsonSerializer.SerializeToUtf8Bytes(state));
            WriteBlock(w, Capture(x => model.save(x)));
            WriteBlock(w, Capture(optimizer.save_state_dict));
            w.Flush();
        }
        buffer.Write(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        writer.Write(path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>The SHA-256 a checkpoint file ends with (hex), read without loading it; null if there is none.
    /// Results such as evaluation.json record it, so a later checkpoint shows them to be stale.</summary>
    public static string? StoredHash(string path)
    {
        try
        {
            using var file = RegularFile.OpenRead(path);
            if (file == null || file.Length < Magic.Length + 4 + HashLength)
                return null;
            file.Seek(-HashLength, SeekOrigin.End);
            byte[] hash = new byte[HashLength];
            file.ReadExactly(hash);
            return Convert.ToHexStringLower(hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads the state; when <paramref name="model"/> and <paramref name="optimizer"/> are given, loads
    /// them. Anything that is not a whole checkpoint of this format is refused (exit 2) with the reason.</summary>
    public static CheckpointState Load(string path, nn.Module? model = null, TorchSharp.Modules.OptimizerHelper? optimizer = null)
    {
        byte[] bytes;
        try
        {
            if (Directory.Exists(path))
                throw UserFacingException.Refused($"{path}: is a folder, not a checkpoint.");
            bytes = RegularFile.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserFacingException.Refused($"{path}: cannot be read: {e.Message}");
        }
        if (bytes.Length < Magic.Length + 4 + HashLength || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw UserFacingException.Refused($"{path}: not a CategoricalVae checkpoint (bad magic or too short).");
        int body = bytes.Length - HashLength;
        if (!SHA256.HashData(bytes.AsSpan(0, body)).AsSpan().SequenceEqual(bytes.AsSpan(body)))
            throw UserFacingException.Refused($"{path}: checkpoint is truncated or corrupt (hash mismatch).");

        using var reader = new BinaryReader(new MemoryStream(bytes, 0, body));
        reader.ReadBytes(Magic.Length);
        int version = reader.ReadInt32();
        if (version != FormatVersion)
            throw UserFacingException.Refused($"{path}: checkpoint format {version} is not supported (this build reads {FormatVersion}).");
        CheckpointState state;
        try
        {
            state = JsonSerializer.Deserialize<CheckpointState>(ReadBlock(reader, path))
                    ?? throw UserFacingException.Refused($"{path}: checkpoint has no state.");
        }
        catch (JsonException e)
        {
            throw UserFacingException.Refused($"{path}: checkpoint state unreadable ({e.Message.Split('\n')[0]}).");
        }
        byte[] weights = ReadBlock(reader, path);
        byte[] moments = ReadBlock(reader, path);
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

    static byte[] ReadBlock(BinaryReader reader, string path)
    {
        long length = reader.BaseStream.Length - reader.BaseStream.Position >= 8 ? reader.ReadInt64() : -1;
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
            throw UserFacingException.Refused($"{path}: checkpoint block length is out of range (file corrupt).");
        return reader.ReadBytes((int)length);
    }
}
