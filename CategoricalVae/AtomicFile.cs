namespace CategoricalVae;

/// <summary>Writes a whole file via a temp file and rename, so readers never see a half-written one and a
/// failed write (disk full) leaves the previous version in place.</summary>
public static class AtomicFile
{
    /// <param name="kind">What is being written, for the test hooks ("png", "metrics", …).</param>
    public static void Write(string path, ReadOnlySpan<byte> content, string kind = "file")
    {
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                int half = content.Length / 2;
                stream.Write(content[..half]);
                Training.TestHooks.MidWrite(kind, stream);
                stream.Write(content[half..]);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { }
            throw;
        }
    }

    public static void WriteText(string path, string text, string kind = "file") => Write(path, System.Text.Encoding.UTF8.GetBytes(text), kind);
}
