using System.Diagnostics;
using System.Security.Cryptography;
using CategoricalVae.Runs;
using CategoricalVae.Common;
using Xunit;

namespace CategoricalVae.Tests.Reliability;

/// <summary>Guarantees 1, 2, 4 and 6 of docs/guarantees.md: kills, damaged state, full disks, numerical faults.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class KillAndCorruptionTests
{
    readonly RealMnist _mnist;

    public KillAndCorruptionTests(RealMnist mnist) => _mnist = mnist;

    static readonly string[] Small = [.. SmallRun.Args(3, 1000, 200)];

    string[] Args(string runsDir, params string[] extra) => _mnist.Args(runsDir, extra);

    string[] ResumeArgs(string run, params string[] extra) => _mnist.ResumeArgs(run, extra);

    List<double[]> Uninterrupted(TempDir dir)
    {
        var r = CliRunner.Run(dir.Path, Args("whole", Small));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return RunFolder.LossColumns(RunFolder.Single(dir.File("whole")));
    }

    /// <summary>Starts a run, waits until <paramref name="ready"/> says so, then SIGKILLs it.</summary>
    static void KillWhen(Process p, Func<bool> ready)
    {
        var clock = Stopwatch.StartNew();
        while (!ready())
        {
            Assert.False(p.HasExited, "the run ended before the kill point");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the kill point never came");
            Thread.Sleep(10);
        }
        p.Kill(entireProcessTree: true); // SIGKILL: no handler runs
        p.WaitForExit();
    }

    [Theory]
    [InlineData("during-epoch")]
    [InlineData("checkpoint:3")] // epoch 2's (the first is the untrained model's)
    [InlineData("metrics:2")]
    [InlineData("png:7")]    // epoch 2's first picture (epoch 1 writes six)
    public void A_kill_at_any_moment_leaves_a_resumable_run_that_ends_like_an_uninterrupted_one(string where)
    {
        using var dir = new TempDir();
        var expected = Uninterrupted(dir);

        var env = where == "during-epoch" ? null : new Dictionary<string, string> { [FaultVariables.PauseInWrite] = where };
        using (var p = CliRunner.Start(dir.Path, Args("killed", Small), env))
        {
            var output = new System.Text.StringBuilder();
            p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            KillWhen(p, where == "during-epoch"
                ? () => Directory.Exists(dir.File("killed")) && Directory.EnumerateFiles(dir.File("killed"), Path.GetFileName(new RunLayout("").TrainReconstruction(2)), SearchOption.AllDirectories).Any()
                : () => { lock (output) return output.ToString().Contains(ScriptedFaults.PausedMarker); });
        }
        string run = RunFolder.Single(dir.File("killed"));

        // What a kill leaves: a loadable checkpoint of epoch 1 and only complete metrics rows.
        var state = Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName));
        Assert.Equal(1, state.EpochsCompleted);
        var metrics = MetricsCsv.ReadWithNotes(Path.Combine(run, RunLayout.MetricsName));
        Assert.DoesNotContain(metrics.Notes, n => n.Contains("incomplete") || n.Contains("unreadable"));
        Assert.InRange(metrics.Rows.Count, 1, 2); // 2 when the kill landed between the metrics and checkpoint writes
        // A picture is whole or absent, never half written: every PNG ends with its IEND chunk.
        byte[] iend = [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];
        foreach (string png in Directory.GetFiles(run, "*.png"))
            Assert.True(File.ReadAllBytes(png).AsSpan().EndsWith(iend), $"{Path.GetFileName(png)} is cut short");

        var resumed = CliRunner.Run(dir.Path, ResumeArgs(run)); // takes over the dead process's lock
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal(expected, RunFolder.LossColumns(run));
    }

    [Fact]
    public void A_kill_while_resume_rewrites_config_json_leaves_the_previous_config_whole()
    {
        using var dir = new TempDir();
        var expected = Uninterrupted(dir);
        var r = CliRunner.Run(dir.Path, Args("killed", [.. Small[..1], "2", .. Small[2..]]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("killed"));
        string before = File.ReadAllText(Path.Combine(run, RunLayout.ConfigName));
        using (var p = CliRunner.Start(dir.Path, ResumeArgs(run, "--epochs", "3"), new Dictionary<string, string> { [FaultVariables.PauseInWrite] = "config" }))
        {
            var output = new System.Text.StringBuilder();
            p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            KillWhen(p, () => { lock (output) return output.ToString().Contains(ScriptedFaults.PausedMarker + "config"); });
        }
        Assert.Equal(before, File.ReadAllText(Path.Combine(run, RunLayout.ConfigName)));
        var resumed = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3"));
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal(expected, RunFolder.LossColumns(run));
    }

    [Fact]
    public void A_malformed_line_in_the_middle_of_metrics_is_refused_and_force_gives_a_complete_history()
    {
        using var dir = new TempDir();
        var expected = Uninterrupted(dir);
        var r = CliRunner.Run(dir.Path, Args("runs", [.. Small[..1], "2", .. Small[2..]]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs")), metrics = Path.Combine(run, RunLayout.MetricsName);
        string[] lines = File.ReadAllLines(metrics);
        lines[1] = lines[1].Replace(',', ';'); // epoch 1's row, between the header and epoch 2
        File.WriteAllLines(metrics, lines);
        string before = RunFolder.Fingerprint(run);

        var refused = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("line 2 unreadable", refused.Stderr);
        Assert.Equal(before, RunFolder.Fingerprint(run));
        var forced = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3", "--force"));
        Assert.True(forced.ExitCode == 0, forced.Stdout + forced.Stderr);
        Assert.Equal(expected, RunFolder.LossColumns(run));
    }

    [Theory]
    [InlineData("truncated", "truncated or corrupt")]
    [InlineData("garbage", "not a CategoricalVae checkpoint")]
    public void A_damaged_checkpoint_is_refused_untouched_and_force_restarts_keeping_a_backup(string damage, string message)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(2, 300, 100)]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs")), checkpoint = Path.Combine(run, RunLayout.CheckpointName);
        byte[] original = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, damage == "truncated" ? original[..(original.Length / 3)] : RandomNumberGenerator.GetBytes(5000));
        string before = RunFolder.Fingerprint(run);

        var refused = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(message, refused.Stderr);
        Assert.Contains("--force", refused.Stderr);
        Assert.Equal(before, RunFolder.Fingerprint(run));

        var forced = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3", "--force"));
        Assert.True(forced.ExitCode == 0, forced.Stdout + forced.Stderr);
        Assert.True(File.Exists(checkpoint + ".damaged"));
        Assert.Equal(2, MetricsCsv.Read(Path.Combine(run, "metrics.csv.damaged")).Count);
        Assert.Equal(3, Checkpoint.Load(checkpoint).EpochsCompleted);
        Assert.Equal(3, RunFolder.Rows(run).Count);
    }

    [Fact]
    public void A_half_written_metrics_line_is_refused_untouched_and_force_drops_it_keeping_a_copy()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(2, 300, 100)]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs")), metrics = Path.Combine(run, RunLayout.MetricsName);
        File.AppendAllText(metrics, "3,9,0.9,12");
        string before = RunFolder.Fingerprint(run);

        var refused = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("last line incomplete", refused.Stderr);
        Assert.Equal(before, RunFolder.Fingerprint(run));

        var forced = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3", "--force"));
        Assert.True(forced.ExitCode == 0, forced.Stdout + forced.Stderr);
        Assert.EndsWith("3,9,0.9,12", File.ReadAllText(metrics + ".damaged"));
        Assert.Equal(new[] { 1, 2, 3 }, RunFolder.Rows(run).Select(m => m.Epoch));
    }

    [Fact]
    public void Repeated_or_out_of_order_rows_are_refused_and_a_second_repair_keeps_the_first_ones_copies()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(2, 300, 100)]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs")), metrics = Path.Combine(run, RunLayout.MetricsName);
        var lines = File.ReadAllLines(metrics);
        File.WriteAllLines(metrics, [lines[0], lines[1], lines[1], lines[2]]); // epochs 1, 1, 2
        string before = RunFolder.Fingerprint(run);
        var refused = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("repeated or out-of-order rows (epochs 1, 1, 2)", refused.Stderr);
        Assert.Equal(before, RunFolder.Fingerprint(run));
        var compare = CliRunner.Run(dir.Path, ["compare", run, "--out", dir.File("c.png")]);
        Assert.Contains("rows are not epochs 1…3 in order (1 1 2)", compare.Stdout);

        var forced = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "3", "--force"));
        Assert.True(forced.ExitCode == 0, forced.Stdout + forced.Stderr);
        Assert.Equal(new[] { 1, 2, 3 }, RunFolder.Rows(run).Select(m => m.Epoch));
        string firstCopy = File.ReadAllText(metrics + ".damaged");

        File.WriteAllLines(metrics, [.. File.ReadAllLines(metrics), File.ReadAllLines(metrics)[1]]); // epochs 1, 2, 3, 1
        var again = CliRunner.Run(dir.Path, ResumeArgs(run, "--epochs", "4", "--force"));
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Equal(firstCopy, File.ReadAllText(metrics + ".damaged"));
        Assert.True(File.Exists(metrics + ".damaged-2"), "the second repair's copy sits beside the first");
        Assert.Equal(new[] { 1, 2, 3, 4 }, RunFolder.Rows(run).Select(m => m.Epoch));
    }

    /// <summary>Checkpoint writes: 1 is the untrained model written at the start, 2 is epoch 1's; metrics writes: 1 is
    /// epoch 1's row. Wherever the disk fills up, a plain --resume finishes the run.</summary>
    [Theory]
    [InlineData("checkpoint:1", -1)]
    [InlineData("checkpoint:2", 0)]
    [InlineData("checkpoint:3", 1)]
    [InlineData("metrics:1", 0)]
    [InlineData("metrics:2", 1)]
    public void A_full_disk_gives_a_clear_message_and_keeps_the_previous_checkpoint(string where, int checkpointEpochs)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", Small), new Dictionary<string, string> { [FaultVariables.FailWrite] = where });
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error: No space left on device", r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        string run = RunFolder.Single(dir.File("runs"));
        if (checkpointEpochs < 0)
            Assert.False(File.Exists(Path.Combine(run, RunLayout.CheckpointName)));
        else
            Assert.Equal(checkpointEpochs, Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName)).EpochsCompleted);
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
        Assert.False(File.Exists(Path.Combine(run, RunLayout.LockName)));
        var resumed = CliRunner.Run(dir.Path, ResumeArgs(run));
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal(3, RunFolder.Rows(run).Count);
    }

    [Fact]
    public void A_picture_that_cannot_be_written_is_a_warning_and_costs_neither_metrics_nor_checkpoint()
    {
        using var dir = new TempDir();
        // The 7th picture is epoch 2's first (epoch 1 writes six).
        var r = CliRunner.Run(dir.Path, Args("runs", Small), new Dictionary<string, string> { [FaultVariables.FailWrite] = "png:7" });
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.Contains("Could not write reconstruction-train-2.png: No space left on device", r.Stdout);
        Assert.Contains($"Could not write {Path.GetFileName(new RunLayout("").TrainReconstruction(2))}", File.ReadAllText(Path.Combine(run, RunLayout.LogName)));
        Assert.False(File.Exists(new RunLayout(run).TrainReconstruction(2)));
        Assert.True(File.Exists(new RunLayout(run).TrainReconstruction(3)));
        Assert.Equal(3, RunFolder.Rows(run).Count);
        Assert.Equal(3, Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName)).EpochsCompleted);
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    [Fact]
    public void A_file_where_the_runs_folder_should_be_is_a_one_line_error()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("runs"), "not a folder");
        var r = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(1, 100, 100, tensorBoard: true)]));
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Cannot create the runs folder", r.Stderr);
        Assert.Equal("not a folder", File.ReadAllText(dir.File("runs")));
    }

    [Fact]
    public void NaN_gradients_stop_the_run_before_the_update_and_keep_the_last_good_checkpoint()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(3, 300, 100)]),
            new Dictionary<string, string> { [FaultVariables.NanGradientAtStep] = "5" });
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Gradients became NaN or infinite at epoch 2, batch 2 (global step 5)", r.Stdout);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.Equal(1, Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName)).EpochsCompleted);
        Assert.Single(RunFolder.Rows(run));
    }

    [Fact]
    public void A_second_process_resuming_a_run_in_use_is_refused_and_a_dead_owners_lock_is_taken_over()
    {
        using var dir = new TempDir();
        var first = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(1, 300, 100)]));
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        string run = RunFolder.Single(dir.File("runs"));

        using var owner = CliRunner.Start(dir.Path, ResumeArgs(run, [.. SmallRun.Args(1000, 300, 100, tensorBoard: true)]));
        owner.BeginOutputReadLine();
        owner.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(new RunLayout(run).TrainReconstruction(2)))
        {
            Assert.False(owner.HasExited, "the owner ended early");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3));
            Thread.Sleep(10);
        }
        var second = CliRunner.Run(dir.Path, ResumeArgs(run, [.. SmallRun.Args(1000, 300, 100, tensorBoard: true)]));
        Assert.Equal(2, second.ExitCode);
        Assert.Contains($"is in use by process {owner.Id}", second.Stderr);

        owner.Kill(entireProcessTree: true); // SIGKILL: the lock file stays behind, naming a dead pid
        owner.WaitForExit();
        Assert.True(File.Exists(Path.Combine(run, RunLayout.LockName)));
        int done = Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName)).EpochsCompleted;
        var after = CliRunner.Run(dir.Path, ResumeArgs(run, ["--epochs", (done + 1).ToString(), .. SmallRun.Args(null, 300, 100, tensorBoard: true)]));
        Assert.True(after.ExitCode == 0, after.Stdout + after.Stderr);
        Assert.Equal(done + 1, Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName)).EpochsCompleted);
    }
}
