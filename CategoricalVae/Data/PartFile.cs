using CategoricalVae.Common;

namespace CategoricalVae.Data;

/// <summary>
/// The one way fetched content reaches a final name: written to "&lt;name&gt;.part", MD5-checked, then
/// renamed. Anything that goes wrong deletes the .part, so nothing unverified ever looks valid.
/// </summary>
public static class PartFile
{
    /// <summary>Writes via <paramref name="write"/> into a .part beside <paramref name="finalPath"/>, verifies it
    /// against <paramref name="file"/>'s MD5 and renames it. Returns null on success, else the reason.</summary>
    public static async Task<FetchFailure?> WriteVerifiedAsync(string finalPath, MnistFile file, Func<Stream, Task> write)
    {
        string part = finalPath + ".part";
        try
        {
            await using (var output = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await write(output);
                await output.FlushAsync();
                output.Flush(flushToDisk: true);
            }
            string actual = Md5.OfContent(part);
            if (actual != file.Md5)
            {
                TryDelete(part);
                return new FetchFailure($"{file.Name}: checksum mismatch (expected {file.Md5}, got {actual})");
            }
            File.Move(part, finalPath, overwrite: false);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException
                                     or TaskCanceledException or InvalidDataException or UserFacingException)
        {
            TryDelete(part);
            return FetchFailure.From(file, e, Path.GetDirectoryName(Path.GetFullPath(finalPath))!);
        }
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
