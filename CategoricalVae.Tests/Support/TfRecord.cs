namespace CategoricalVae.Tests;

/// <summary>Reads TFRecord framing (TensorBoard event files), checking every masked CRC-32C, and parses the records
/// as TensorBoard Event messages.</summary>
public static class TfRecord
{
    static readonly uint[] Table = BuildTable();

    static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    /// <summary>Every record's payload; throws if a length or CRC is wrong or the file ends mid-record.</summary>
    public static List<byte[]> ReadAll(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        for (int at = 0; at < file.Length;)
        {
            if (file.Length - at < 16) throw new InvalidDataException($"record at {at} is cut short");
            ulong length = BitConverter.ToUInt64(file, at);
            if (BitConverter.ToUInt32(file, at + 8) != Masked(file.AsSpan(at, 8))) throw new InvalidDataException($"length CRC mismatch at {at}");
            if (length > (ulong)(file.Length - at - 16)) throw new InvalidDataException($"record at {at} is longer than the file");
            byte[] data = file.AsSpan(at + 12, (int)length).ToArray();
            if (BitConverter.ToUInt32(file, at + 12 + (int)length) != Masked(data)) throw new InvalidDataException($"data CRC mismatch at {at}");
            records.Add(data);
            at += 16 + (int)length;
        }
        return records;
    }

    public static byte[] ReadFirst(string path) => ReadAll(path)[0];

    /// <summary>The file's records as TensorBoard events (TorchSharp ships the generated protobuf classes).</summary>
    public static List<Tensorboard.Event> Events(string path) => ReadAll(path).Select(Tensorboard.Event.Parser.ParseFrom).ToList();
}
