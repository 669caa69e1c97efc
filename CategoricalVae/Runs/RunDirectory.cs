using CategoricalVae.Common;

namespace CategoricalVae.Runs;

/// <summary>
/// One run = one folder, runs/&lt;yyyyMMdd-HHmmss&gt;-&lt;soft|hard&gt;[-name], owned by one process at a time.
/// The name is claimed atomically (a second process starting in the same second gets a "-2" suffix) and
/// run.lock (<see cref="RunLock"/>) keeps two processes from writing the same run; a lock whose owner is gone is
/// taken over.
/// </summary>
public sealed class RunDirectory : IDisposable
{
    FileStream? _lock;

    RunDirectory(string path, AtomicWriter writer)
    {
        Layout = new RunLayout(path);
        Writer = writer;
    }

    public RunLayout Layout { get; }
    public string Path => Layout.Folder;
    public string Name => Layout.Name;

    /// <summary>How this run's files are written (with the process's fault plan).</summary>
    public AtomicWriter Writer { get; }

    /// <summary>Creates a fresh run folder under <paramref name="runsDir"/> and locks it.</summary>
    public static RunDirectory Create(string runsDir, string mode, string? label, DateTime now, AtomicWriter? writer = null) =>
        CreateNamed(runsDir, $"{now:yyyyMMdd-HHmmss}-{mode}" + (string.IsNullOrEmpty(label) ? "" : "-" + label), writer, suffixIfTaken: true);

    /// <summary>Creates the folder <paramref name="runsDir"/>/<paramref name="name"/> (or, with
    /// <paramref name="suffixIfTaken"/>, the first free "name-N") and locks it.</summary>
    public static RunDirectory CreateNamed(string runsDir, string name, AtomicWriter? writer, bool suffixIfTaken)
    {
        try
        {
            Directory.CreateDirectory(runsDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"Cannot create the runs folder {System.IO.Path.GetFullPath(runsDir)}: {e.Message}");
        }
        for (int attempt = 1; attempt < 1000; attempt++)
        {
            string candidate = System.IO.Path.Combine(runsDir, attempt == 1 ? name : $"{name}-{attempt}");
            // CreateDirectory succeeds on an existing folder, so the lock file's CreateNew is the claim: it is
            // atomic, and the loser of a race moves on to the next suffix. The Exists check only saves work.
            if (!Directory.Exists(candidate) && !File.Exists(candidate))
            {
                try
                {
                    Directory.CreateDirectory(candidate);
                    var run = new RunDirectory(System.IO.Path.GetFullPath(candidate), writer ?? AtomicWriter.Plain);
                    if (run.TryClaim())
                        return run;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    if (!Directory.Exists(candidate))
                        throw new UserFacingException($"Cannot create a run folder in {System.IO.Path.GetFullPath(runsDir)}: {e.Message}");
                }
            }
            if (!suffixIfTaken)
                throw UserFacingException.Refused($"{System.IO.Path.GetFullPath(candidate)} already exists.");
        }
        throw new UserFacingException($"Cannot find a free run folder name for {name} in {runsDir}.");
    }

    /// <summary>Opens an existing run (for --resume), taking its lock.</summary>
    public static RunDirectory Open(string path, AtomicWriter? writer = null)
    {
        if (!Directory.Exists(path))
            throw UserFacingException.Refused($"{path} is not a folder.");
        var run = new RunDirectory(System.IO.Path.GetFullPath(path), writer ?? AtomicWriter.Plain);
        run.TakeLock();
        return run;
    }

    /// <summary>The owner named by a run folder's lock if that process is alive, else null.</summary>
    public static RunLock? LiveOwner(string folder)
    {
        string lockPath = new RunLayout(folder).LockFile;
        return File.Exists(lockPath) && ReadOwner(lockPath) is { } owner && owner.OwnerIsAlive() ? owner : null;
    }

    bool TryClaim()
    {
        string lockPath = Layout.LockFile;
        if (Directory.Exists(lockPath))
            throw UserFacingException.Refused($"{lockPath} is a folder, not a lock file; remove it and try again.");
        try
        {
            _lock = new FileStream(lockPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            return false;
        }
        using var writer = new StreamWriter(_lock, leaveOpen: true);
        writer.Write(RunLock.ForThisProcess().ToJson());
        writer.Flush();
        _lock.Flush(flushToDisk: true);
        return true;
    }

    void TakeLock()
    {
        string lockPath = Layout.LockFile;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (TryClaim())
                return;
            RunLock? owner = ReadOwner(lockPath);
            if (owner is { } o && o.OwnerIsAlive())
                throw UserFacingException.Refused(
                    $"{Path} is in use by {o.Describe()} (lock file {lockPath}). If no process is working on this run, delete {lockPath} and try again.");
            // An unreadable lock that is seconds old is most likely being written by a process claiming it now.
            if (owner == null && File.Exists(lockPath) && DateTime.UtcNow - File.GetLastWriteTimeUtc(lockPath) < TimeSpan.FromSeconds(5))
                throw UserFacingException.Refused($"{Path} is being opened by another process (lock file {lockPath}); try again in a moment.");
            // Stale: the owner is gone. Move it aside under a name of our own before removing it: of two processes taking
            // over the same stale lock only one can move it, and the other then finds the winner's fresh lock.
            string? judged = ReadText(lockPath);
            string aside = $"{lockPath}.stale-{Environment.ProcessId}-{Guid.NewGuid():N}";
            try { File.Move(lockPath, aside); }
            catch (IOException) { continue; }
            if (ReadText(aside) != judged)
            {
                // A fresh claim slipped in between reading and moving: give it back.
                try { File.Move(aside, lockPath); }
                catch (IOException) { }
                continue;
            }
            try { File.Delete(aside); }
            catch (IOException) { }
        }
        throw UserFacingException.Refused($"Cannot take the lock {lockPath}; if no process is working on this run, delete it and try again.");
    }

    static string? ReadText(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    static RunLock? ReadOwner(string lockPath)
    {
        try
        {
            using var stream = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return RunLock.Parse(reader.ReadToEnd());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (_lock == null)
            return;
        _lock.Dispose();
        _lock = null;
        try { File.Delete(Layout.LockFile); }
        catch (IOException) { }
    }
}
