using System.Diagnostics;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Runs;

/// <summary>A run's files may be anything a user left there: a symbolic link to nothing or to itself, a FIFO, a
/// device, a folder. Reading such a run gives notes, never an exception, and never waits on a FIFO.</summary>
[Trait("Category", Category.Unit)]
public class UnreadableRunFilesTests
{
    static EpochMetrics Row(int epoch) => new(epoch, epoch * 600L, 0.9, 150, 145, 5, 140, 135, 5, 8, 7500, 9.9, 0, 30);

    static void Fifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]))!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>Writes a good run into <paramref name="folder"/>, then replaces <paramref name="file"/> by <paramref name="kind"/>.</summary>
    internal static void DamagedRun(string folder, string file, string kind)
    {
        Directory.CreateDirectory(folder);
        var layout = new RunLayout(folder);
        File.WriteAllText(layout.ConfigFile, "{\"options\": {\"hard\": false}}");
        MetricsCsv.Append(layout.MetricsFile, Row(1), AtomicWriter.Plain);
        string path = Path.Combine(folder, file);
        File.Delete(path);
        switch (kind)
        {
            case "dangling": File.CreateSymbolicLink(path, Path.Combine(folder, "gone")); break;
            case "loop": File.CreateSymbolicLink(path, path + ".other"); File.CreateSymbolicLink(path + ".other", path); break;
            case "fifo": Fifo(path); break;
            case "device": File.CreateSymbolicLink(path, "/dev/zero"); break;
            case "folder": Directory.CreateDirectory(path); break;
        }
    }

    public static readonly TheoryData<string, string> Cases = new()
    {
        { RunLayout.MetricsName, "dangling" }, { RunLayout.MetricsName, "loop" }, { RunLayout.MetricsName, "fifo" },
        { RunLayout.MetricsName, "device" }, { RunLayout.MetricsName, "folder" },
        { RunLayout.ConfigName, "dangling" }, { RunLayout.ConfigName, "fifo" },
        { RunLayout.EvaluationName, "fifo" }, { RunLayout.EvaluationName, "loop" },
        { RunLayout.CheckpointName, "fifo" }, { RunLayout.LockName, "fifo" }, { RunLayout.LockName, "dangling" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_run_whose_file_cannot_be_read_is_summarised_with_a_note(string file, string kind)
    {
        using var dir = new TempDir();
        DamagedRun(dir.File("run"), file, kind);
        // A reader that opened the FIFO would wait for a writer forever: the guard turns that into a failure.
        var load = Task.Run(() => RunSummary.Load(dir.File("run")));
        Assert.True(await Task.WhenAny(load, Task.Delay(TimeSpan.FromMinutes(1))) == load, $"reading a run whose {file} is a {kind} did not return");
        var summary = await load;
        Assert.NotNull(summary);
        if (file == RunLayout.MetricsName)
        {
            Assert.Empty(summary.Rows);
            Assert.NotEmpty(summary.Notes);
        }
        else if (file == RunLayout.ConfigName)
        {
            Assert.Contains(summary.Notes, n => n.Contains("config.json"));
        }
    }
}
