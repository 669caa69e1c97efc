namespace CategoricalVae.Common;

/// <summary>Saves the full story of an unexpected failure to a file whose name no other failure can take, so the
/// one-line error can point at it.</summary>
public static class ErrorDetails
{
    /// <summary>Writes <paramref name="details"/> to a new file <paramref name="prefix"/>-&lt;time&gt;-&lt;pid&gt;-&lt;random&gt;.txt in
    /// <paramref name="directory"/>; returns its path, or a note if it could not be written.</summary>
    public static string Write(string directory, string prefix, string details)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string path = Path.Combine(directory, $"{prefix}-{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.txt");
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(file))
                writer.Write(details);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "(could not write the details file)";
        }
    }
}
