using CategoricalVae.Common;
using CategoricalVae.Runs;

namespace CategoricalVae.Cli;

/// <summary>
/// Writes a command's results to the files checked before the work (<see cref="OutputPath"/>). A write can still
/// fail at the end (the disk filled up meanwhile); the results are then not lost: text is printed in full, a
/// picture is written to the temp folder, and the failure comes back as one sentence saying where they are, for the
/// command's `error:` line (exit 1).
/// </summary>
public static class ResultFile
{
    /// <summary>Writes <paramref name="text"/>; null when written, else what happened and where the text is.</summary>
    public static string? SaveText(OutputPath path, string text, AtomicWriter writer, string detail = "")
    {
        if (path.TryWrite(writer, text, out string? failure))
        {
            Console.WriteLine($"Wrote {path.FullPath}{detail}");
            return null;
        }
        Console.WriteLine($"--- {Path.GetFileName(path.FullPath)} (could not be written) ---");
        Console.Write(text.EndsWith('\n') ? text : text + "\n");
        Console.WriteLine("---");
        return $"could not write {path.FullPath} ({failure}); its content is printed above in full";
    }

    /// <summary>Writes a picture; when it cannot, writes it to the temp folder instead. Null when written where asked.</summary>
    public static string? SavePicture(OutputPath path, byte[] png, AtomicWriter writer)
    {
        if (path.TryWrite(writer, png, out string? failure))
        {
            Console.WriteLine($"Wrote {path.FullPath}");
            return null;
        }
        string name = Path.GetFileNameWithoutExtension(path.FullPath);
        string fallback = Path.Combine(Path.GetTempPath(), $"{name}-{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}.png");
        try
        {
            writer.Write(fallback, png);
            Console.WriteLine($"Wrote {fallback} (instead of {path.FullPath})");
            return $"could not write {path.FullPath} ({failure}); the picture is in {fallback}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"could not write {path.FullPath} ({failure}) nor {fallback}; the table above is complete";
        }
    }

    /// <summary>Ends the command with one error line (exit 1) when a result could not be written where asked.</summary>
    public static void ThrowIfAny(params string?[] failures)
    {
        var happened = failures.OfType<string>().ToList();
        if (happened.Count > 0)
            throw new UserFacingException(string.Join("; ", happened) + ".");
    }
}
