namespace CategoricalVae.Common;

/// <summary>
/// Writes a whole file via a temp file, an fsync and a rename, so readers never see a half-written file and a
/// failed write (a full disk) leaves the previous version in place and no temp file behind.
/// </summary>
public sealed class AtomicWriter
{
    /// <summary>A writer with no faults injected.</summary>
    public static readonly AtomicWriter Plain = new(NoFaults.Instance);

    readonly IFaultPlan _faults;

    public AtomicWriter(IFaultPlan faults) => _faults = faults;

    public void Write(string path, ReadOnlySpan<byte> content)
    {
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                int half = content.Length / 2;
                stream.Write(content[..half]);
                _faults.MidWrite(path, stream);
                stream.Write(content[half..]);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    public void WriteText(string path, string text) => Write(path, System.Text.Encoding.UTF8.GetBytes(text));
}
