namespace CategoricalVae.Tests;

/// <summary>Reads TFRecord framing (TensorBoard event files) and checks its masked CRC-32C values.</summary>
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

    /// <summary>The first record's payload; throws if its length or data CRC is wrong.</summary>
    public static byte[] ReadFirst(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 16) throw new InvalidDataException("shorter than a record");
        ulong length = BitConverter.ToUInt64(file, 0);
        if (BitConverter.ToUInt32(file, 8) != Masked(file.AsSpan(0, 8))) throw new InvalidDataException("length CRC mismatch");
        if (length > (ulong)(file.Length - 16)) throw new InvalidDataException("record longer than the file");
        byte[] data = file.AsSpan(12, (int)length).ToArray();
        if (BitConverter.ToUInt32(file, 12 + (int)length) != Masked(data)) throw new InvalidDataException("data CRC mismatch");
        return data;
    }
}
