using System.Diagnostics;
using System.Text.Json.Nodes;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Reliability;

/// <summary>What a careful but hostile new user tried, one test per class of failure: extreme numbers, damaged
/// histories, stale results, settings changed on resume, stops at the last moment, exit codes, memory, explosions,
/// edited files and failed writes.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class HostileUserTests
{
    readonly RealMnist _mnist;

    public HostileUserTests(RealMnist mnist) => _mnist = mnist;

    static readonly string[] Tiny = [.. SmallRun.Args(null, 200, 100)];

    string[] Args(string runsDir, params string[] extra) => _mnist.Args(runsDir, extra);

    string TrainedRun(TempDir dir, string runsDir = "runs", int epochs = 2)
    {
        var r = CliRunner.Run(dir.Path, Args(runsDir, [.. Tiny, "--epochs", epochs.ToString()]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return RunFolder.Single(dir.File(runsDir));
    }

    static void AssertOneErrorLine(CliRunner.Result r, int exitCode, string expected)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}, expected {exitCode}: {r.Stdout}{r.Stderr}");
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotMatch(@"System\.[A-Z]\w+|CategoricalVae\.\w+\.\w+", lines[0]); // no .NET type names
    }

    [Fact]
    public void Extreme_numbers_either_work_or_are_refused_and_no_row_is_ever_unreadable()
    {
        using var dir = new TempDir();
        // One batch per epoch whatever the size; τ never re-evaluated; one log line per epoch; the lowest seed.
        var r = CliRunner.Run(dir.Path, Args("runs", [.. Tiny, "--epochs", "2", "--batch-size", "2147483647", "--anneal-every", "2147483647",
            "--log-interval", "2147483647", "--seed", "-9223372036854775808", "--temperature", "1e308"]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("τ 1E+308", r.Stdout); // not three hundred digits
        string run = RunFolder.Single(dir.File("runs"));
        var metrics = MetricsCsv.ReadWithNotes(Path.Combine(run, RunLayout.MetricsName));
        Assert.False(metrics.Damaged, string.Join("; ", metrics.Notes));
        Assert.Equal([1L, 2L], metrics.Rows.Select(m => m.GlobalStep));
        Assert.All(metrics.Rows, m => Assert.True(double.IsFinite(m.TrainLoss) && double.IsFinite(m.TestLoss)));
        var compare = CliRunner.Run(dir.Path, ["compare", run, "--out", dir.File("c.png")]);
        Assert.True(compare.ExitCode == 0, compare.Stderr);
        Assert.DoesNotContain("unreadable", compare.Stdout);

        foreach (var (args, expected) in new (string[], string)[]
                 {
                     (["--epochs", "2147483648"], "--epochs expects a whole number"),
                     (["--latent-dim", "2147483647"], "code units"),
                     (["--latent-dim", "100000", "--categories", "100000"], "code units"),
                     (["--threads", "2147483647"], "--threads must be between 1 and 256"),
                     (["--temperature", "1e400"], "--temperature must be a positive number"),
                     (["--lr", "NaN"], "--lr must be a positive number"),
                     (["--latent-dim", "1000", "--categories", "1000"], "at most 300000 are supported"),
                 })
            AssertOneErrorLine(CliRunner.Run(dir.Path, Args("refused", [.. Tiny, .. args])), ExitCodes.Refused, expected);
        // A model within the size limit whose batches will not fit is refused with the estimate.
        AssertOneErrorLine(CliRunner.Run(dir.Path, Args("refused", ["--latent-dim", "300", "--categories", "1000", "--batch-size", "20000",
            .. SmallRun.Args(null, 20000, 100)])), ExitCodes.Refused, "GB");
        Assert.False(Directory.Exists(dir.File("refused")));
    }

    [Fact]
    public void A_hole_in_the_history_is_refused_and_force_recomputes_the_run_from_the_start()
    {
        using var dir = new TempDir();
        string expected = TrainedRun(dir, "whole", epochs: 3);
        string run = TrainedRun(dir);
        string metrics = Path.Combine(run, RunLayout.MetricsName);
        File.WriteAllLines(metrics, File.ReadAllLines(metrics)[..2]); // header and epoch 1; the checkpoint is of epoch 2
        string before = RunFolder.Fingerprint(run);

        var refused = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3"));
        AssertOneErrorLine(refused, ExitCodes.Refused, "has no row for epoch(s) 2 of the 2 in the checkpoint");
        Assert.Equal(before, RunFolder.Fingerprint(run));

        var forced = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3", "--force"));
        Assert.True(forced.ExitCode == 0, forced.Stdout + forced.Stderr);
        Assert.Equal(RunFolder.LossColumns(expected), RunFolder.LossColumns(run)); // 1, 2, 3: complete and as uninterrupted
        Assert.True(File.Exists(metrics + ".damaged"));
        Assert.True(File.Exists(Path.Combine(run, "checkpoint.bin.damaged")));
        var compare = CliRunner.Run(dir.Path, ["compare", run, "--out", dir.File("c.png")]);
        Assert.Contains(" 3 ", compare.Stdout.Split('\n')[1]);
    }

    [Fact]
    public void A_deleted_checkpoint_is_named_as_such_and_force_restarts_the_run()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        File.Delete(Path.Combine(run, RunLayout.CheckpointName));
        var refused = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3"));
        AssertOneErrorLine(refused, ExitCodes.Refused, "checkpoint.bin is missing, but metrics.csv has 2 row(s)");
        var forced = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3", "--force"));
        Assert.True(forced.ExitCode == 0, forced.Stdout + forced.Stderr);
        Assert.Equal([1, 2, 3], RunFolder.Rows(run).Select(m => m.Epoch));
    }

    [Fact]
    public void Results_of_an_earlier_checkpoint_are_marked_stale_and_evaluating_a_run_in_training_warns()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        var evaluated = CliRunner.Run(dir.Path, ["evaluate", run, "--samples", "2", "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.True(evaluated.ExitCode == 0, evaluated.Stdout + evaluated.Stderr);
        var fresh = CliRunner.Run(dir.Path, ["compare", run, "--csv", dir.File("fresh.csv"), "--out", dir.File("c.png")]);
        Assert.DoesNotContain(",-,-,", File.ReadAllLines(dir.File("fresh.csv"))[1]); // −ELBO and NLL shown

        var resumed = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3"));
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        var stale = CliRunner.Run(dir.Path, ["compare", run, "--csv", dir.File("stale.csv"), "--out", dir.File("c.png")]);
        string row = File.ReadAllLines(dir.File("stale.csv"))[1];
        Assert.Contains(",-,-,", row); // not shown beside epoch-3 losses
        Assert.Contains("evaluation.json is of epoch 2, not of the current checkpoint (epoch 3)", row);

        // Evaluating while another process trains the run: a warning that the checkpoint will move on.
        using var owner = CliRunner.Start(dir.Path, _mnist.ResumeArgs(run, "--epochs", "1000"));
        owner.BeginOutputReadLine();
        owner.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(run, RunLayout.LockName)))
        {
            Assert.False(owner.HasExited, "the training ended early");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2));
            Thread.Sleep(20);
        }
        var during = CliRunner.Run(dir.Path, ["evaluate", run, "--samples", "1", "--data-dir", _mnist.DataDir, "--offline", "--out", dir.File("e.json")]);
        owner.Kill(entireProcessTree: true);
        owner.WaitForExit();
        Assert.True(during.ExitCode == 0, during.Stdout + during.Stderr);
        Assert.Contains($"warning: {run} is being trained by process {owner.Id}", during.Stderr);
    }

    [Fact]
    public void Every_run_defining_setting_survives_a_resume_and_fewer_epochs_than_done_is_refused()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir); // --no-tensorboard
        var more = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3"));
        Assert.True(more.ExitCode == 0, more.Stdout + more.Stderr);
        Assert.Empty(Directory.GetFiles(run, "events.out.tfevents.*"));
        Assert.Contains("\"tensor_board\": false", File.ReadAllText(Path.Combine(run, RunLayout.ConfigName)));

        string before = RunFolder.Fingerprint(run);
        AssertOneErrorLine(CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "1")), ExitCodes.Refused,
            "--epochs 1 is fewer than the 3 epochs");
        AssertOneErrorLine(CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--batch-size", "50")), ExitCodes.Refused,
            "this run has --batch-size 100 (config.json), not 50");
        AssertOneErrorLine(CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--name", "other")), ExitCodes.Refused,
            "--name applies to new runs only");
        Assert.Equal(before, RunFolder.Fingerprint(run));

        var same = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run));
        Assert.True(same.ExitCode == 0, same.Stdout + same.Stderr);
        Assert.Contains("has done all 3 epochs; nothing to do", same.Stdout);
        Assert.Equal(before, RunFolder.Fingerprint(run));
    }

    [Fact]
    public void A_stop_request_during_the_last_unit_of_work_still_ends_with_130()
    {
        using var dir = new TempDir();
        // The stop arrives with the last training batch (2 epochs of 2 batches): the run completes its epoch, then 130.
        var r = CliRunner.Run(dir.Path, Args("runs", [.. Tiny, "--epochs", "2"]),
            new Dictionary<string, string> { [FaultVariables.StopAfterStep] = "4" });
        Assert.True(r.ExitCode == ExitCodes.Interrupted, r.Stdout + r.Stderr);
        Assert.Contains("Stopped by request after the last epoch (2); the run is complete.", r.Stdout);
        Assert.DoesNotContain("Done.", r.Stdout);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.Equal(2, RunFolder.Rows(run).Count);

        // evaluate: SIGTERM during its only (so last) batch gives 130 and writes nothing.
        if (OperatingSystem.IsWindows())
            return;
        using var p = CliRunner.Start(dir.Path, ["evaluate", run, "--data-dir", _mnist.DataDir, "--offline", "--test-limit", "100",
            "--samples", "100000", "--out", dir.File("stopped.json")]);
        Assert.StartsWith("Evaluating", p.StandardOutput.ReadLine());
        CliRunner.Terminate(p);
        Assert.True(p.WaitForExit(60_000), "evaluate did not stop");
        Assert.Equal(ExitCodes.Interrupted, p.ExitCode);
        Assert.Contains("nothing written", p.StandardError.ReadToEnd());
        Assert.False(File.Exists(dir.File("stopped.json")));
    }

    /// <summary>The exit-code table of docs/guarantees.md, row by row: for every command, a failure during the work
    /// (1) and a refusal before it (2); 0 and 130 have tests of their own, named there.</summary>
    [Fact]
    public void Every_command_uses_the_same_exit_codes_for_the_same_kind_of_failure()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        File.WriteAllText(dir.File("garbage.bin"), "not a checkpoint at all, just some text of sufficient length");
        Directory.CreateDirectory(dir.File("empty-data"));
        string[] noData = ["--offline", "--data-dir", dir.File("empty-data")];
        var fail = (string what) => new Dictionary<string, string> { [FaultVariables.FailWrite] = what };
        var cases = new (string[] Args, Dictionary<string, string>? Env, int Code, string Expected)[]
        {
            // train
            (["--epochs", "1", .. noData, "--runs-dir", dir.File("r")], null, ExitCodes.Failed, "MNIST files missing"),
            (["--epochs", "0", "--runs-dir", dir.File("r")], null, ExitCodes.Refused, "--epochs must be at least 1"),
            // --resume
            (_mnist.ResumeArgs(run, "--epochs", "3"), fail("metrics:1"), ExitCodes.Failed, "No space left on device"),
            (["--resume", dir.File("no-such-run")], null, ExitCodes.Refused, "is not a folder"),
            // evaluate
            (["evaluate", run, .. noData], null, ExitCodes.Failed, "MNIST files missing"),
            (["evaluate", dir.File("no-such-run")], null, ExitCodes.Refused, "is not a folder"),
            (["evaluate", run, "--checkpoint", dir.File("garbage.bin"), "--data-dir", _mnist.DataDir, "--offline"], null, ExitCodes.Refused, "not a CategoricalVae checkpoint"),
            (["evaluate", run, "--samples", "0"], null, ExitCodes.Refused, "--samples must be between 1"),
            // gradvar
            (["gradvar", run, .. noData], null, ExitCodes.Failed, "MNIST files missing"),
            (["gradvar", run, "--samples", "1"], null, ExitCodes.Refused, "--samples must be between 2"),
            // compare
            (["compare", run, "--out", dir.File("c.png")], fail("png:1"), ExitCodes.Failed, "could not write"),
            (["compare", dir.File("no-such-run")], null, ExitCodes.Refused, "is not a folder"),
            (["compare", "--sort", "fastest"], null, ExitCodes.Refused, "--sort expects one of"),
            // sweep
            (["sweep", "--vary", "hard=off,on", "--epochs", "1", .. noData, "--runs-dir", dir.File("s")], null, ExitCodes.Failed, "2 member(s) failed"),
            (["sweep", "--vary", "bogus=1,2", "--runs-dir", dir.File("s")], null, ExitCodes.Refused, "--vary bogus: not a training option"),
            // bench
            (["bench", "--steps", "1", "--repeats", "1", "--eval-size", "1", "--threads", "1", "--data-dir", _mnist.DataDir, "--json", dir.File("b.json")], fail("b.json"), ExitCodes.Failed,
                "its content is printed above in full"),
            (["bench", "--steps", "0"], null, ExitCodes.Refused, "--steps must be between 1"),
            (["bench", "--eval-size", "10001"], null, ExitCodes.Refused, "--eval-size must be between 1 and 10000"),
            // export
            (["export", run, "--out", dir.File("x.pt")], fail("x.pt"), ExitCodes.Failed, "No space left on device"),
            (["export", dir.File("no-such-run")], null, ExitCodes.Refused, "is not a folder"),
            (["export", run, "--out", Path.Combine(run, RunLayout.MetricsName)], null, ExitCodes.Refused, "is the run's own metrics.csv"),
            // import
            (["import", dir.File("exported.pt"), "--runs-dir", dir.File("imported")], fail("config"), ExitCodes.Failed, "No space left on device"),
            (["import", dir.File("garbage.bin"), "--runs-dir", dir.File("r")], null, ExitCodes.Refused, "neither a PyTorch state_dict"),
        };
        var exported = CliRunner.Run(dir.Path, ["export", run, "--out", dir.File("exported.pt")]);
        Assert.True(exported.ExitCode == 0, exported.Stdout + exported.Stderr);
        foreach (var (args, env, code, expected) in cases)
            AssertOneErrorLine(CliRunner.Run(dir.Path, args, env), code, expected);
        Assert.False(Directory.Exists(dir.File("imported")) && Directory.EnumerateFileSystemEntries(dir.File("imported")).Any());

        // 130 for --resume too: a stop during the run it continues.
        var stopped = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3"), new Dictionary<string, string> { [FaultVariables.StopAfterStep] = "5" });
        Assert.True(stopped.ExitCode == ExitCodes.Interrupted, stopped.Stdout + stopped.Stderr);
    }

    [Theory]
    [InlineData(30, 1000)]
    [InlineData(1, 100_000)] // the traversal once built a K × K identity here: 40 GB
    public void A_large_code_trains_with_bounded_pictures(int latents, int categories)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. Tiny, "--epochs", "1", "--latent-dim", $"{latents}", "--categories", $"{categories}"]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.DoesNotContain("Could not write", r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.Single(RunFolder.Rows(run));
        Assert.True(File.Exists(Path.Combine(run, RunLayout.CheckpointName)));
        using var traversal = SkiaSharp.SKBitmap.Decode(new RunLayout(run).Traversal(1));
        // The latents (rows, at most 30) × the first 16 categories (columns).
        Assert.Equal((16 * 30 + 2, Math.Min(latents, 30) * 30 + 2), (traversal.Width, traversal.Height));
    }


    [Fact]
    public void An_exploding_run_is_stopped_by_the_NaN_guard_and_the_reason_is_in_train_log()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. Tiny, "--epochs", "2", "--lr", "1e11"]));
        Assert.True(r.ExitCode == ExitCodes.Failed, r.Stdout + r.Stderr);
        Assert.DoesNotContain("Exception", r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs"));
        string log = File.ReadAllText(Path.Combine(run, RunLayout.LogName));
        Assert.Matches(@"(Loss|The test loss) became NaN|Gradients became NaN or infinite", log);
        Assert.Matches(@"at epoch \d+|after epoch \d+", log);
    }

    [Theory]
    [InlineData("batch_size", "-5", "--batch-size must be at least 1")]
    [InlineData("options", "null", "has no options")]
    [InlineData("temp_min", "0", "--temp-min must be a positive number")]
    [InlineData("anneal_schedule", "\"sideways\"", "cannot read the run's configuration")]
    [InlineData("latent_dim", "\"thirty\"", "cannot read the run's configuration")]
    [InlineData("latent_dim", "null", "a value at options.latent_dim")]
    [InlineData("seed", "1e30", "a value at options.seed")]
    [InlineData("estimator", "\"bogus\"", "a value at options.estimator")]
    [InlineData("hard", "\"yes\"", "a value at options.hard")]
    [InlineData("seed", "<removed>", "options.seed is missing")]
    [InlineData("learning_rate", "<removed>", "options.learning_rate is missing")]
    public void A_hand_edited_config_is_checked_like_the_command_line_and_nothing_changes(string field, string value, string expected)
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        string configFile = Path.Combine(run, RunLayout.ConfigName);
        var config = JsonNode.Parse(File.ReadAllText(configFile))!;
        if (field == "options")
            config["options"] = JsonNode.Parse(value);
        else if (value == "<removed>")
            Assert.True(config["options"]!.AsObject().Remove(field));
        else
            config["options"]![field] = JsonNode.Parse(value);
        File.WriteAllText(configFile, config.ToJsonString());
        string before = RunFolder.Fingerprint(run);
        AssertOneErrorLine(CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3")), ExitCodes.Refused, expected);
        Assert.Equal(before, RunFolder.Fingerprint(run));
    }

    [Fact]
    public void A_write_refused_while_resuming_leaves_no_temp_file_and_the_metrics_as_they_were()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        string before = File.ReadAllText(Path.Combine(run, RunLayout.MetricsName));
        // The resumed process's first metrics write is the trim to the checkpoint's epochs.
        var r = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3"), new Dictionary<string, string> { [FaultVariables.FailWrite] = "metrics:1" });
        AssertOneErrorLine(r, ExitCodes.Failed, "No space left on device");
        Assert.DoesNotContain(Directory.GetFiles(run), f => f.EndsWith(".tmp") || f.EndsWith(".rebuild") || f.EndsWith(".part"));
        Assert.Equal(before, File.ReadAllText(Path.Combine(run, RunLayout.MetricsName)));
        Assert.False(File.Exists(Path.Combine(run, RunLayout.LockName)));
    }

    [Fact]
    public void Small_things_read_well()
    {
        using var dir = new TempDir();
        var threads = CliRunner.Run(dir.Path, Args("runs", [.. Tiny, "--epochs", "1", "--threads", "8"]));
        Assert.True(threads.ExitCode == 0, threads.Stdout + threads.Stderr);
        Assert.Contains("--threads 8 is more than the", threads.Stdout);

        AssertOneErrorLine(CliRunner.Run(dir.Path, Args("x", "--epochs", "1", "--epochs", "2")), ExitCodes.Refused, "--epochs was given 2 times; give it once.");
        foreach (string name in new[] { "..", ".", "x:y*?<>|", "a\nb" })
            AssertOneErrorLine(CliRunner.Run(dir.Path, Args("x", "--name", name)), ExitCodes.Refused, "is not a valid label: use 1 to 64 letters");
        var types = CliRunner.Run(dir.Path, Args("x", "--binarize", "sometimes", "--epochs", "x"));
        Assert.DoesNotContain("System.", types.Stderr);
        Assert.DoesNotContain("CategoricalVae.", types.Stderr);
    }
}
