using CategoricalVae.Common;

namespace CategoricalVae.Runs;

/// <summary>
/// A file a command writes its result to (`--out`, `--csv`, `--json`), checked before the work starts so that a
/// bad path costs nothing (exit 2, one line): an empty name, a folder, a place that takes no new file (/proc, a
/// full or read-only folder, a path through a file), a file the command reads, and any file a run or sweep folder
/// owns (<see cref="RunLayout.Owns"/>, <see cref="SweepLayout.Owns"/>) other than the command's own output there.
/// docs/guarantees.md states the rules.
/// </summary>
public sealed class OutputPath
{
    /// <summary>Virtual file systems: their files are the kernel's, not data, and root may replace a device node.</summary>
    static readonly string[] SystemFolders = ["/proc", "/sys", "/dev"];

    OutputPath(string option, string given, string fullPath) => (Option, Given, FullPath) = (option, given, fullPath);

    /// <summary>The option that named the file (--out), for messages.</summary>
    public string Option { get; }

    /// <summary>The path as the user wrote it.</summary>
    public string Given { get; }

    public string FullPath { get; }

    /// <summary>Checks <paramref name="path"/>, given for <paramref name="option"/>, before any work.
    /// <paramref name="ownOutput"/> is the file the command writes in a run folder by default (evaluate's
    /// evaluation.json of the run it evaluates): it may be rewritten although the run owns its name.
    /// <paramref name="inputs"/> are files the command reads, which it may not overwrite.</summary>
    public static OutputPath Check(string option, string path, string? ownOutput = null, IEnumerable<string>? inputs = null)
    {
        string shown = Shown(path);
        if (string.IsNullOrWhiteSpace(path))
            throw UserFacingException.Refused($"{option} needs a file name (it was given an empty one).");
        if (path.Any(char.IsControl))
            throw UserFacingException.Refused($"{option} '{shown}': a file name may not hold a control character (a newline, a tab, …).");
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw UserFacingException.Refused($"{option} '{shown}' is not a usable file name ({e.Message}).");
        }
        if (Directory.Exists(full) || Path.EndsInDirectorySeparator(path))
            throw UserFacingException.Refused($"{option} {shown} is a folder; name a file (in it, for example).");
        string name = Path.GetFileName(full);
        string folder = Path.GetDirectoryName(full)!;
        if (System.Text.Encoding.UTF8.GetByteCount(name) > 255)
            throw UserFacingException.Refused($"{option} {shown}: the file name is longer than the 255 bytes a file system allows.");
        if (SystemFolders.FirstOrDefault(s => full.StartsWith(s + "/", StringComparison.Ordinal)) is { } system)
            throw UserFacingException.Refused($"{option} {shown} is in {system}, which holds the system's files, not results; name a file elsewhere.");
        if (Directory.Exists(folder))
        {
            var run = new RunLayout(folder);
            if (run.HoldsRun && (RunLayout.Owns(name) || run.OwnsExport(name)) && !Same(full, ownOutput))
                throw UserFacingException.Refused($"{option} {shown} is the run's own {name}; writing it would damage the run. Name another file.");
            if (new SweepLayout(folder).IsSweep && SweepLayout.Owns(name))
                throw UserFacingException.Refused($"{option} {shown} is the sweep's own {name}; writing it would damage the sweep. Name another file.");
        }
        if (inputs?.FirstOrDefault(i => Same(full, i)) is { } input)
            throw UserFacingException.Refused($"{option} {shown} is {Path.GetFileName(input)}, which this command reads; name another file.");
        CheckWritable(option, shown, folder);
        return new OutputPath(option, path, full);
    }

    /// <summary>Writes <paramref name="content"/> (creating missing folders); false with the reason when it cannot,
    /// so the command can keep its results another way.</summary>
    public bool TryWrite(AtomicWriter writer, byte[] content, out string? failure)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FullPath)!);
            writer.Write(FullPath, content);
            failure = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = NoSpace.Explain(e, Path.GetDirectoryName(FullPath)).Split('\n')[0].Trim();
            return false;
        }
    }

    public bool TryWrite(AtomicWriter writer, string text, out string? failure) => TryWrite(writer, System.Text.Encoding.UTF8.GetBytes(text), out failure);

    /// <summary>The nearest folder that exists above the file must take a new file: a probe is created there and
    /// removed at once (missing folders below it are created when the result is written).</summary>
    static void CheckWritable(string option, string shown, string folder)
    {
        var existing = new DirectoryInfo(folder);
        while (!existing.Exists)
        {
            if (File.Exists(existing.FullName))
                throw UserFacingException.Refused($"{option} {shown}: {existing.FullName} is a file, not a folder.");
            existing = existing.Parent!;
        }
        string probe = Path.Combine(existing.FullName, $".categoricalvae-probe-{Guid.NewGuid():N}");
        try
        {
            using var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UserFacingException.Refused($"{option} {shown}: cannot write in {existing.FullName} ({NoSpace.Explain(e).Split('\n')[0].Trim()}).");
        }
    }

    static bool Same(string full, string? other) => other != null && string.Equals(full, Path.GetFullPath(other), StringComparison.Ordinal);

    static string Shown(string path)
    {
        string visible = string.Concat(path.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return visible.Length > 120 ? visible[..120] + "…" : visible;
    }
}
