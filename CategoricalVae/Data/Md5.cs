using System.Security.Cryptography;

namespace CategoricalVae.Data;

public static class Md5
{
    /// <summary>Lower-case hex MD5 of the uncompressed content of an IDX file (raw or gzip).</summary>
    public static string OfContent(string path)
    {
        using var stream = IdxReader.OpenContent(path);
        try
        {
            return Convert.ToHexStringLower(MD5.HashData(stream));
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException(path, $"corrupt gzip data: {e.Message}");
        }
    }
}
