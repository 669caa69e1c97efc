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
    LockFile? _lock;

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
    public static RunLock? LiveOwner(string folder) => LockFile.LiveOwner(new RunLayout(folder).LockFile);

    bool TryClaim()
    {
        _lock = LockFile.TryClaim(Layout.LockFile);
        return _lock != null;
    }

    void TakeLock() => _lock = LockFile.Take(Layout.LockFile, Path, "run");

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
