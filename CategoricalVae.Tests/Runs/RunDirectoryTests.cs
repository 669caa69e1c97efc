using CategoricalVae;
using CategoricalVae.Runs;
using Xunit;

using CategoricalVae.Common;

namespace CategoricalVae.Tests.Runs;

[Trait("Category", Category.Unit)]
public class RunDirectoryTests
{
    [Fact]
    public void Runs_started_in_the_same_second_never_share_a_folder()
    {
        using var dir = new TempDir();
        var now = new DateTime(2026, 11, 23, 10, 0, 0);
        using var a = RunDirectory.Create(dir.Path, "soft", null, now);
        using var b = RunDirectory.Create(dir.Path, "soft", null, now);
        using var c = RunDirectory.Create(dir.Path, "soft", null, now);
        Assert.Equal("20261123-100000-soft", a.Name);
        Assert.Equal("20261123-100000-soft-2", b.Name);
        Assert.Equal("20261123-100000-soft-3", c.Name);
    }

    [Fact]
    public void A_run_locked_by_a_live_process_is_refused_and_a_stale_lock_is_taken_over()
    {
        using var dir = new TempDir();
        string path;
        using (var first = RunDirectory.Create(dir.Path, "hard", "x", DateTime.Now))
        {
            path = first.Path;
            var e = Assert.Throws<UserFacingException>(() => RunDirectory.Open(path));
            Assert.Contains($"in use by process {Environment.ProcessId}", e.Message);
        }
        // A lock file whose owner is gone (pid that cannot exist).
        File.WriteAllText(Path.Combine(path, RunLayout.LockName), "2147483646");
        using var second = RunDirectory.Open(path);
        Assert.Equal(Environment.ProcessId, RunLock.Parse(File.ReadAllText(Path.Combine(path, RunLayout.LockName)))!.Pid);
    }
}
