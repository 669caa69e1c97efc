using CategoricalVae.Common;

namespace CategoricalVae.Runs;

/// <summary>
/// A lock file that names its owner (<see cref="RunLock"/>): run.lock keeps two processes from writing one run,
/// sweep.lock two from training one sweep. It is claimed by creating the file exclusively, which is atomic, so of
/// two processes starting at the same moment exactly one wins; a lock whose owner is gone is taken over. Disposing
/// releases it.
/// </summary>
public sealed class LockFile : IDisposable
{
    FileStream? _stream;

    LockFile(string path, FileStream stream) => (Path, _stream) = (path, stream);

    public string Path { get; }

    /// <summary>Claims <paramref name="path"/> if no file is there; null when one is (held or stale).</summary>
    public static LockFile? TryClaim(string path)
    {
        if (Directory.Exists(path))
            throw UserFacingException.Refused($"{path} is a folder, not a lock file; remove it and try again.");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (IOException) when (File.Exists(path) || new FileInfo(path).LinkTarget != null)
        {
            return null;
        }
        using (var writer = new StreamWriter(stream, leaveOpen: true))
            writer.Write(RunLock.ForThisProcess().ToJson());
        stream.Flush(flushToDisk: true);
        return new LockFile(path, stream);
    }

    /// <summary>Claims <paramref name="path"/>, taking over a lock whose owner is gone. A live owner is refused
    /// (exit 2), naming it; <paramref name="folder"/> is the folder the lock guards, a <paramref name="kind"/> ("run", "sweep").</summary>
    public static LockFile Take(string path, string folder, string kind)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (TryClaim(path) is { } claimed)
                return claimed;
            RunLock? owner = ReadOwner(path);
            if (owner is { } o && o.OwnerIsAlive())
                throw UserFacingException.Refused(
                    $"{folder} is in use by {o.Describe()} (lock file {path}). If no process is working on this {kind}, delete {path} and try again.");
            // An unreadable lock that is seconds old is most likely being written by a process claiming it now.
            if (owner == null && File.Exists(path) && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < TimeSpan.FromSeconds(5))
                throw UserFacingException.Refused($"{folder} is being opened by another process (lock file {path}); try again in a moment.");
            // Stale: the owner is gone. Move it aside under a name of our own before removing it: of two processes taking
            // over the same stale lock only one can move it, and the other then finds the winner's fresh lock.
            string? judged = ReadText(path);
            string aside = $"{path}.stale-{Environment.ProcessId}-{Guid.NewGuid():N}";
            try { File.Move(path, aside); }
            catch (IOException) { continue; }
            if (ReadText(aside) != judged)
            {
                // A fresh claim slipped in between reading and moving: give it back.
                try { File.Move(aside, path); }
                catch (IOException) { }
                continue;
            }
            try { File.Delete(aside); }
            catch (IOException) { }
        }
        throw UserFacingException.Refused($"Cannot take the lock {path}; if no process is working on this {kind}, delete it and try again.");
    }

    /// <summary>The owner named by the lock at <paramref name="path"/> if that process is alive, else null.</summary>
    public static RunLock? LiveOwner(string path) =>
        File.Exists(path) && ReadOwner(path) is { } owner && owner.OwnerIsAlive() ? owner : null;

    static string? ReadText(string path)
    {
        try
        {
            return RegularFile.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    static RunLock? ReadOwner(string path) => ReadText(path) is { } text ? RunLock.Parse(text) : null;

    public void Dispose()
    {
        if (_stream == null)
            return;
        _stream.Dispose();
        _stream = null;
        try { File.Delete(Path); }
        catch (IOException) { }
    }
}
