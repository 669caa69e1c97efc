using System.Diagnostics;
using System.Text.Json;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Runs;

[Trait("Category", Category.Unit)]
public class RunDirectoryTests
{
    static readonly DateTime Now = new(2026, 11, 23, 10, 0, 0);

    /// <summary>A race is won or lost by chance; several rounds make a broken claim show up every time.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Runs_started_in_the_same_second_by_racing_threads_never_share_a_folder(int round)
    {
        using var dir = new TempDir();
        int threads = 6 + round;
        var barrier = new Barrier(threads);
        var runs = new RunDirectory[threads];
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            barrier.SignalAndWait();
            runs[i] = RunDirectory.Create(dir.Path, "soft", null, Now);
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        try
        {
            Assert.Equal(threads, runs.Select(r => r.Path).Distinct().Count());
            Assert.Equal(
                new[] { "20261123-100000-soft" }.Concat(Enumerable.Range(2, threads - 1).Select(n => $"20261123-100000-soft-{n}")).Order(),
                runs.Select(r => r.Name).Order());
            foreach (var run in runs)
                Assert.Equal(Environment.ProcessId, RunLock.Parse(ReadShared(run.Layout.LockFile))!.Pid);
        }
        finally
        {
            foreach (var run in runs)
                run?.Dispose();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Runs_started_in_the_same_second_by_racing_processes_never_share_a_folder(int round)
    {
        _ = round;
        using var dir = new TempDir();
        string go = dir.File("go");
        var children = Enumerable.Range(0, 4).Select(_ =>
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (string a in new[] { ChildMain.Dll, "claim-run-folder", dir.File("runs"), Now.Ticks.ToString(), go })
                start.ArgumentList.Add(a);
            return Process.Start(start)!;
        }).ToList();
        try
        {
            foreach (var child in children)
                Assert.Equal("ready", child.StandardOutput.ReadLine());
            File.WriteAllText(go, ""); // all four claim now, for the same second
            var claimed = children.SelectMany(c => Enumerable.Range(0, 50).Select(_ => (Process: c, Path: c.StandardOutput.ReadLine()!))).ToList();
            Assert.Equal(200, claimed.Select(c => c.Path).Distinct().Count());
            foreach (var (child, path) in claimed)
            {
                Assert.StartsWith("20261123-100000-soft", Path.GetFileName(path));
                // Each folder is locked by the process that claimed it.
                Assert.Equal(child.Id, RunLock.Parse(ReadShared(Path.Combine(path, RunLayout.LockName)))!.Pid);
            }
        }
        finally
        {
            foreach (var child in children)
            {
                child.StandardInput.Close();
                if (!child.WaitForExit(30_000))
                    child.Kill();
                child.Dispose();
            }
        }
    }

    static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    [Fact]
    public void A_run_locked_by_a_live_process_is_refused_naming_the_fix_and_a_dead_owners_lock_is_taken_over()
    {
        using var dir = new TempDir();
        string path;
        using (var first = RunDirectory.Create(dir.Path, "hard", "x", DateTime.Now))
        {
            path = first.Path;
            var e = Assert.Throws<UserFacingException>(() => RunDirectory.Open(path));
            Assert.Equal(ExitCodes.Refused, e.ExitCode);
            Assert.Contains($"in use by process {Environment.ProcessId}", e.Message);
            Assert.Contains($"If no process is working on this run, delete {Path.Combine(path, RunLayout.LockName)}", e.Message);
        }
        // A lock file of an older version whose owner is gone (a pid that cannot exist).
        File.WriteAllText(Path.Combine(path, RunLayout.LockName), "2147483646");
        File.SetLastWriteTimeUtc(Path.Combine(path, RunLayout.LockName), DateTime.UtcNow.AddMinutes(-1));
        using var second = RunDirectory.Open(path);
        Assert.Equal(Environment.ProcessId, RunLock.Parse(ReadShared(Path.Combine(path, RunLayout.LockName)))!.Pid);
    }

    [Fact]
    public void A_lock_naming_a_live_but_unrelated_process_is_taken_over()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("run"));
        // Our own pid, alive, but recorded with another start time: the pid was reused by an unrelated process.
        var mine = RunLock.ForThisProcess();
        Assert.NotNull(mine.ProcessStartUtc);
        var reused = mine with { ProcessStartUtc = mine.ProcessStartUtc!.Value.AddHours(-3) };
        Assert.False(reused.OwnerIsAlive());
        File.WriteAllText(dir.File("run/run.lock"), reused.ToJson());
        File.SetLastWriteTimeUtc(dir.File("run/run.lock"), DateTime.UtcNow.AddMinutes(-1));
        using var run = RunDirectory.Open(dir.File("run"));
        Assert.Equal(mine.ProcessStartUtc, RunLock.Parse(ReadShared(dir.File("run/run.lock")))!.ProcessStartUtc);
    }

    [Fact]
    public void A_lock_written_before_a_reboot_is_stale_and_one_from_another_host_is_respected()
    {
        var mine = RunLock.ForThisProcess();
        Assert.True(mine.OwnerIsAlive());
        if (OperatingSystem.IsLinux())
            Assert.False((mine with { BootId = "00000000-0000-0000-0000-000000000000" }).OwnerIsAlive());
        var elsewhere = mine with { Host = "some-other-host", Pid = 2147483646 };
        Assert.True(elsewhere.OwnerIsAlive()); // cannot be checked from here, so it is not taken over
        Assert.Contains("on some-other-host", elsewhere.Describe());
        Assert.Equal(elsewhere, RunLock.Parse(elsewhere.ToJson()));
    }

    [Fact]
    public void A_run_lock_that_is_a_folder_is_refused_with_what_to_do()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("run/run.lock"));
        var e = Assert.Throws<UserFacingException>(() => RunDirectory.Open(dir.File("run")));
        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.Contains("is a folder, not a lock file; remove it", e.Message);
    }
}
