using System.Diagnostics;

namespace CategoricalVae.Runs;

/// <summary>
/// One run = one folder, runs/&lt;yyyyMMdd-HHmmss&gt;-&lt;soft|hard&gt;[-name]. Creation is atomic (a second
/// process starting in the same second gets a "-2" suffix), and a lock file with the owner's pid keeps two
/// processes from writing the same run; a lock left by a dead process is taken over.
/// </summary>
public sealed class RunDirectory : IDisposable
{
    public const string LockFileName = "run.lock";

    FileStream? _lock;

    RunDirectory(string path) => Path = path;

    public string Path { get; }
    public string Name => System.IO.Path.GetFileName(Path);
    public string ConfigFile => File("config.json");
    public string MetricsFile => File("metrics.csv");
    public string LogFile => File("train.log");
    public string CheckpointFile => File("checkpoint.bin");
    public string LossPlotFile => File("loss.png");

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates a fresh run folder under <paramref name="runsDir"/> and locks it.</summary>
    public static RunDirectory Create(string runsDir, string mode, string? label, DateTime now)
    {
        try
        {
            Directory.CreateDirectory(runsDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"Cannot create the runs folder {System.IO.Path.GetFullPath(runsDir)}: {e.Message}");
        }
        string stem = $"{now:yyyyMMdd-HHmmss}-{mode}" + (string.IsNullOrEmpty(label) ? "" : "-" + label);
        for (int attempt = 1; attempt < 1000; attempt++)
        {
            string candidate = System.IO.Path.Combine(runsDir, attempt == 1 ? stem : $"{stem}-{attempt}");
            // Directory.CreateDirectory succeeds on an existing folder, so claim the name with the lock file:
            // CreateNew is atomic, and the loser of a race moves on to the next suffix.
            if (Directory.Exists(candidate) || System.IO.File.Exists(candidate))
                continue;
            try
            {
                Directory.CreateDirectory(candidate);
                var run = new RunDirectory(System.IO.Path.GetFullPath(candidate));
                if (run.TryClaimFresh())
                    return run;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!Directory.Exists(candidate))
                    throw new UserFacingException($"Cannot create a run folder in {System.IO.Path.GetFullPath(runsDir)}: {e.Message}");
            }
        }
        throw new UserFacingException($"Cannot find a free run folder name for {stem} in {runsDir}.");
    }

    /// <summary>Opens an existing run for --resume, taking its lock.</summary>
    public static RunDirectory Open(string path)
    {
        if (!Directory.Exists(path))
            throw new UserFacingException($"--resume: {path} is not a folder.", 2);
        var run = new RunDirectory(System.IO.Path.GetFullPath(path));
        run.TakeLock();
        return run;
    }

    bool TryClaimFresh()
    {
        try
        {
            _lock = new FileStream(File(LockFileName), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (IOException) when (System.IO.File.Exists(File(LockFileName)))
        {
            return false;
        }
        WriteOwner();
        return true;
    }

    void TakeLock()
    {
        string lockPath = File(LockFileName);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (TryClaimFresh())
                return;
            int? owner = ReadOwner(lockPath);
            if (owner is int pid && IsAlive(pid))
                throw new UserFacingException($"{Path} is in use by process {pid} (lock file {lockPath}); wait for it to finish or stop it.", 2);
            // Stale: the owner died without cleaning up. Remove and retry the atomic claim.
            try { System.IO.File.Delete(lockPath); }
            catch (IOException) { }
        }
        throw new UserFacingException($"Cannot take the lock {lockPath}.", 2);
    }

    void WriteOwner()
    {
        using var writer = new StreamWriter(_lock!, leaveOpen: true);
        writer.Write(Environment.ProcessId);
        writer.Flush();
        _lock!.Flush(flushToDisk: true);
    }

    static int? ReadOwner(string lockPath)
    {
        try
        {
            using var stream = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return int.TryParse(reader.ReadToEnd().Trim(), out int pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
            return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_lock == null)
            return;
        _lock.Dispose();
        _lock = null;
        try { System.IO.File.Delete(File(LockFileName)); }
        catch (IOException) { }
    }
}
