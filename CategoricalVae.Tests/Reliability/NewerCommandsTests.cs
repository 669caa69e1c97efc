using System.Diagnostics;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Reliability;

/// <summary>What a hostile new user tried on `sweep`, `compare`, `evaluate`, `gradvar` and `bench`, one test per class
/// of failure: output paths over a run's own files or nowhere useful, --device cuda on the CPU build, stops during
/// compare and bench, racing resumes, sweep.json pointing outside, unreadable runs, and the small things.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class NewerCommandsTests
{
    readonly RealMnist _mnist;

    public NewerCommandsTests(RealMnist mnist) => _mnist = mnist;

    string[] Data => ["--data-dir", _mnist.DataDir, "--offline"];

    string TrainedRun(TempDir dir, string runsDir = "runs", params string[] extra)
    {
        var r = CliRunner.Run(dir.Path, _mnist.Args(runsDir, [.. SmallRun.Args(1, 300, 100), .. extra]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return RunFolder.Single(dir.File(runsDir));
    }

    string PlannedSweep(TempDir dir, string runsDir = "sweeps")
    {
        var r = CliRunner.Run(dir.Path, ["sweep", "--vary", "hard=off,on", "--jobs", "1", .. SmallRun.Args(1, 300, 100), "--runs-dir", dir.File(runsDir), .. Data, "--plan-only"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return Directory.GetDirectories(dir.File(runsDir)).Single();
    }

    static void AssertOneErrorLine(CliRunner.Result r, int exitCode, string expected)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}, expected {exitCode}: {r.Stdout}{r.Stderr}");
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.Stderr);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotMatch(@"System\.[A-Z]\w+|CategoricalVae\.\w+\.\w+", lines[0]);
    }

    [Fact]
    public void An_output_that_is_a_file_of_a_run_or_sweep_is_refused_and_nothing_changes()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        string sweep = PlannedSweep(dir);
        string runBefore = RunFolder.Fingerprint(run), sweepBefore = RunFolder.Fingerprint(sweep);
        var layout = new RunLayout(run);
        foreach (string[] args in new string[][]
                 {
                     ["evaluate", run, "--out", layout.CheckpointFile, .. Data],
                     ["evaluate", run, "--out", layout.GradientVarianceFile, .. Data],
                     ["compare", run, "--csv", layout.MetricsFile],
                     ["compare", run, "--out", layout.LossPlotFile],
                     ["compare", sweep, "--members", "--out", Path.Combine(sweep, SweepFile.FileName)],
                     ["gradvar", run, "--out", layout.ConfigFile, .. Data],
                     ["gradvar", run, "--out", layout.EvaluationFile, .. Data],
                     ["bench", "--steps", "1", "--repeats", "1", "--json", layout.LogFile],
                     ["bench", "--steps", "1", "--repeats", "1", "--json", Path.Combine(sweep, SweepFile.CommandsName)],
                 })
        {
            var r = CliRunner.Run(dir.Path, args);
            AssertOneErrorLine(r, ExitCodes.Refused, "own");
            Assert.Equal("", r.Stdout);
        }
        Assert.Equal(runBefore, RunFolder.Fingerprint(run));
        Assert.Equal(sweepBefore, RunFolder.Fingerprint(sweep));
    }

    [Fact]
    public void Unusable_outputs_are_refused_before_the_work_and_a_write_failing_at_the_end_keeps_the_results()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        foreach (string bad in new[] { "", "/", "/proc/evaluation.json", dir.Path, dir.File("runs") + "/" })
        {
            AssertOneErrorLine(CliRunner.Run(dir.Path, ["evaluate", run, "--samples", "1", "--out", bad, .. Data]), ExitCodes.Refused, "--out");
            AssertOneErrorLine(CliRunner.Run(dir.Path, ["gradvar", run, "--samples", "2", "--out", bad, .. Data]), ExitCodes.Refused, "--out");
            AssertOneErrorLine(CliRunner.Run(dir.Path, ["compare", run, "--csv", bad]), ExitCodes.Refused, "--csv");
            AssertOneErrorLine(CliRunner.Run(dir.Path, ["compare", run, "--out", bad]), ExitCodes.Refused, "--out");
            var bench = CliRunner.Run(dir.Path, ["bench", "--steps", "1", "--repeats", "1", "--json", bad]);
            AssertOneErrorLine(bench, ExitCodes.Refused, "--json");
            Assert.DoesNotContain("Timing", bench.Stdout); // refused before any measuring
        }

        // The disk fills up while the result is written: the figures are printed in full and the line says so.
        var evaluate = CliRunner.Run(dir.Path, ["evaluate", run, "--samples", "2", "--out", dir.File("e.json"), .. Data],
            new Dictionary<string, string> { [FaultVariables.FailWrite] = "e.json" });
        AssertOneErrorLine(evaluate, ExitCodes.Failed, "its content is printed above in full");
        var printed = evaluate.Stdout[evaluate.Stdout.IndexOf('{')..(evaluate.Stdout.LastIndexOf('}') + 1)];
        Assert.Equal(2, EvaluationReport.FromJson(printed).Samples);
        Assert.False(File.Exists(dir.File("e.json")));
        // A picture goes to the temp folder instead.
        var compare = CliRunner.Run(dir.Path, ["compare", run, "--out", dir.File("c.png")], new Dictionary<string, string> { [FaultVariables.FailWrite] = "png" });
        AssertOneErrorLine(compare, ExitCodes.Failed, "the picture is in ");
        string elsewhere = compare.Stderr[(compare.Stderr.IndexOf("the picture is in ", StringComparison.Ordinal) + 18)..].Trim().TrimEnd('.');
        Assert.True(File.Exists(elsewhere), elsewhere);
        File.Delete(elsewhere);
    }

    [FactOnCpuBuild]
    public void Device_cuda_on_the_cpu_build_is_refused_once_up_front_by_every_command_and_creates_nothing()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        string sweep = PlannedSweep(dir);
        string runBefore = RunFolder.Fingerprint(run), sweepBefore = RunFolder.Fingerprint(sweep);
        Directory.CreateDirectory(dir.File("cwd"));
        string[] cuda = ["--device", "cuda"];
        foreach (string[] args in new string[][]
                 {
                     ["--epochs", "1", "--runs-dir", dir.File("new-runs"), .. Data, .. cuda],
                     ["--run-dir", dir.File("new-run"), "--epochs", "1", .. Data, .. cuda],
                     ["--resume", run, "--epochs", "2", .. Data, .. cuda],
                     ["evaluate", run, .. Data, .. cuda],
                     ["gradvar", run, .. Data, .. cuda],
                     ["sweep", "--vary", "hard=off,on", "--epochs", "1", "--runs-dir", dir.File("new-sweeps"), .. Data, .. cuda],
                     ["sweep", "--vary", "hard=off,on", "--epochs", "1", "--runs-dir", dir.File("new-sweeps"), "--plan-only", .. cuda],
                     ["sweep", "--vary", "device=cpu,cuda", "--epochs", "1", "--runs-dir", dir.File("new-sweeps"), "--plan-only"],
                     ["sweep", "--resume", sweep, .. Data, .. cuda],
                 })
            AssertOneErrorLine(CliRunner.Run(dir.File("cwd"), args), ExitCodes.Refused,
                "--device cuda: this build has no CUDA (it is the CPU build); build with -p:TorchBackend=cuda on a machine with an NVIDIA driver, or use --device cpu.");
        Assert.Empty(Directory.GetFileSystemEntries(dir.File("cwd")));
        Assert.False(Directory.Exists(dir.File("new-runs")) || Directory.Exists(dir.File("new-run")) || Directory.Exists(dir.File("new-sweeps")));
        Assert.Equal(runBefore, RunFolder.Fingerprint(run));
        Assert.Equal(sweepBefore, RunFolder.Fingerprint(sweep));
    }

    /// <summary>Starts a command, waits for <paramref name="ready"/> on its stdout, sends SIGTERM and returns what it said.</summary>
    static CliRunner.Result TerminatedWhen(string workDir, string[] args, string ready, string readyOn = "stdout")
    {
        using var p = CliRunner.Start(workDir, args);
        var said = new System.Text.StringBuilder();
        var seen = new ManualResetEventSlim();
        void Line(string? line)
        {
            if (line == null) return;
            lock (said) said.AppendLine(line);
            if (line.Contains(ready, StringComparison.Ordinal)) seen.Set();
        }
        var stderr = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { if (readyOn == "stdout") Line(e.Data); else lock (said) said.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); if (readyOn == "stderr") Line(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        Assert.True(seen.Wait(TimeSpan.FromMinutes(3)), $"never said '{ready}': {said}{stderr}");
        CliRunner.Terminate(p);
        Assert.True(p.WaitForExit(180_000), "did not stop");
        p.WaitForExit();
        return new CliRunner.Result(p.ExitCode, said.ToString(), stderr.ToString());
    }

    [Fact]
    public void Sigterm_during_compare_bench_gradvar_or_a_sweep_ends_with_130_and_writes_no_result()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var dir = new TempDir();
        // 3000 runs take compare long enough to be stopped while it reads them.
        for (int i = 0; i < 3000; i++)
        {
            string folder = dir.File($"many/run-{i:D4}");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, RunLayout.ConfigName), "{\"options\": {\"hard\": false}}");
            File.WriteAllText(Path.Combine(folder, RunLayout.MetricsName), MetricsCsv.Header + "\n" +
                MetricsCsv.Format(new EpochMetrics(1, 600, 0.9, 150 + i % 7, 145, 5, 140 + i % 5, 135, 5, 8, 7500, 9.9, 0, 30)) + "\n");
        }
        var compare = TerminatedWhen(dir.Path, ["compare", "--runs-dir", dir.File("many"), "--csv", dir.File("c.csv")], "Reading 3000 folders", "stderr");
        Assert.True(compare.ExitCode == ExitCodes.Interrupted, compare.Stdout + compare.Stderr);
        Assert.False(File.Exists(dir.File("c.csv")) || File.Exists(dir.File("many/compare.png")));

        var bench = TerminatedWhen(dir.Path, ["bench", "--steps", "2000", "--repeats", "1000", "--eval-size", "10", "--data-dir", dir.File("no-data"), "--json", dir.File("b.json")], "Timing");
        Assert.True(bench.ExitCode == ExitCodes.Interrupted, bench.Stdout + bench.Stderr);
        Assert.False(File.Exists(dir.File("b.json")));

        string run = TrainedRun(dir);
        var gradvar = TerminatedWhen(dir.Path, ["gradvar", run, "--samples", "100000", "--out", dir.File("g.json"), .. Data], "Encoder gradient of");
        Assert.True(gradvar.ExitCode == ExitCodes.Interrupted, gradvar.Stdout + gradvar.Stderr);
        Assert.False(File.Exists(dir.File("g.json")));

        var sweep = TerminatedWhen(dir.Path, ["sweep", "--vary", "hard=off,on", "--jobs", "1", "--epochs", "1", "--runs-dir", dir.File("sweeps"), .. Data], "start  ");
        Assert.True(sweep.ExitCode == ExitCodes.Interrupted, sweep.Stdout + sweep.Stderr);
        Assert.Contains("continue with: sweep --resume", sweep.Stdout);
    }

    [Fact]
    public void Of_two_sweep_resumes_started_together_one_is_refused_changing_nothing_and_no_member_fails()
    {
        using var dir = new TempDir();
        string sweep = PlannedSweep(dir);
        using var first = CliRunner.Start(dir.Path, ["sweep", "--resume", sweep, .. Data]);
        using var second = CliRunner.Start(dir.Path, ["sweep", "--resume", sweep, .. Data]);
        var outputs = new[] { first, second }.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        Assert.True(first.WaitForExit(600_000) && second.WaitForExit(600_000), "the resumes did not finish");
        var results = new[] { first, second }.Select((p, i) => new CliRunner.Result(p.ExitCode, outputs[i].Out.Result, outputs[i].Err.Result)).ToList();
        var refused = Assert.Single(results, r => r.ExitCode == ExitCodes.Refused);
        var done = Assert.Single(results, r => r.ExitCode == ExitCodes.Success);
        // Refused naming the owner, or, if the owner is still writing its lock, saying the sweep is being opened.
        AssertOneErrorLine(refused, ExitCodes.Refused, sweep);
        Assert.Matches("is in use by process|is being opened by another process", refused.Stderr);
        Assert.Equal("", refused.Stdout);
        Assert.All(SweepFile.Load(sweep).Members, m => Assert.Equal(MemberStatus.Done, m.Status));
        Assert.False(File.Exists(new SweepLayout(sweep).LockFile));
    }

    [Fact]
    public void A_sweep_json_pointing_outside_or_at_another_run_is_refused_naming_the_member()
    {
        using var dir = new TempDir();
        string sweep = PlannedSweep(dir);
        string path = SweepFile.PathIn(sweep);
        string original = File.ReadAllText(path);
        var parsed = SweepFile.Load(sweep);
        foreach (string folder in new[] { "../../escaped", dir.File("absolute") })
        {
            File.WriteAllText(path, original.Replace($"\"folder\": \"{parsed.Members[1].Folder}\"", $"\"folder\": \"{folder}\""));
            var r = CliRunner.Run(dir.Path, ["sweep", "--resume", sweep, .. Data]);
            AssertOneErrorLine(r, ExitCodes.Refused, "member 2's folder");
            AssertOneErrorLine(CliRunner.Run(dir.Path, ["compare", sweep]), ExitCodes.Refused, "member 2's folder");
        }
        Assert.False(Directory.Exists(dir.File("escaped")) || Directory.Exists(dir.File("absolute")));
        Assert.Empty(Directory.GetDirectories(sweep));

        // A member's folder holding an unrelated finished run (another seed) is not taken as done.
        File.WriteAllText(path, original);
        string stranger = TrainedRun(dir, "strangers", "--seed", "7");
        CopyFolder(stranger, Path.Combine(sweep, parsed.Members[0].Folder));
        AssertOneErrorLine(CliRunner.Run(dir.Path, ["sweep", "--resume", sweep, .. Data]), ExitCodes.Refused,
            $"member {parsed.Members[0].Folder}: its folder holds another run (--seed=7 in its config.json, --seed=2020 in sweep.json)");
        AssertOneErrorLine(CliRunner.Run(dir.Path, ["compare", sweep]), ExitCodes.Refused, $"member {parsed.Members[0].Folder}: its folder holds another run");
        Assert.Equal(original, File.ReadAllText(path));
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    [Fact]
    public void One_run_that_cannot_be_read_is_a_note_and_compare_goes_on()
    {
        using var dir = new TempDir();
        string good = TrainedRun(dir);
        Runs.UnreadableRunFilesTests.DamagedRun(dir.File("runs/dangling"), RunLayout.MetricsName, "dangling");
        Runs.UnreadableRunFilesTests.DamagedRun(dir.File("runs/loop"), RunLayout.MetricsName, "loop");
        Runs.UnreadableRunFilesTests.DamagedRun(dir.File("runs/fifo"), RunLayout.MetricsName, "fifo");
        Runs.UnreadableRunFilesTests.DamagedRun(dir.File("runs/fifo-lock"), RunLayout.LockName, "fifo");
        var r = CliRunner.Run(dir.Path, ["compare", "--runs-dir", "runs", "--csv", "t.csv"], timeoutSeconds: 120);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var rows = File.ReadAllLines(dir.File("t.csv")).Skip(1).ToList();
        Assert.Equal(5, rows.Count);
        Assert.Contains(rows, row => row.StartsWith(Path.GetFileName(good) + ",", StringComparison.Ordinal));
        Assert.Contains("symbolic link to nothing", rows.Single(row => row.StartsWith("dangling,", StringComparison.Ordinal)));
        Assert.Contains("symbolic link that loops", rows.Single(row => row.StartsWith("loop,", StringComparison.Ordinal)));
    }

    [Fact]
    public void Small_things_read_well()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("cwd"));
        AssertOneErrorLine(CliRunner.Run(dir.File("cwd"), ["sweep", "--vary", "hard=off,on", "--runs-dir", "", "--plan-only"]), ExitCodes.Refused, "--runs-dir must name a folder");
        AssertOneErrorLine(CliRunner.Run(dir.File("cwd"), ["sweep", "--vary", "hard=off,on", "--name", "a b", "--plan-only", "--runs-dir", "x"]), ExitCodes.Refused, "is not a valid label");
        AssertOneErrorLine(CliRunner.Run(dir.File("cwd"), ["compare", "--runs-dir", ""]), ExitCodes.Refused, "--runs-dir must name a folder");
        AssertOneErrorLine(CliRunner.Run(dir.File("cwd"), ["compare", "--runs-dir", dir.File("nothing")]), ExitCodes.Refused, $"--runs-dir {dir.File("nothing")} does not exist");
        Assert.Empty(Directory.GetFileSystemEntries(dir.File("cwd")));

        // A sweep.json without a member's args names where, not a .NET type.
        string sweep = PlannedSweep(dir);
        string path = SweepFile.PathIn(sweep);
        string original = File.ReadAllText(path);
        var json = System.Text.Json.Nodes.JsonNode.Parse(original)!;
        json["members"]![0]!.AsObject().Remove("args");
        File.WriteAllText(path, json.ToJsonString());
        AssertOneErrorLine(CliRunner.Run(dir.Path, ["compare", sweep]), ExitCodes.Refused, "cannot read the sweep (a value at members[0]");
        File.WriteAllText(path, original);
        // A sweep with no complete member has nothing to compare.
        AssertOneErrorLine(CliRunner.Run(dir.Path, ["compare", sweep]), ExitCodes.Refused, "no member of");

        // --run-dir names the folder itself: --name and --runs-dir are refused with it, as is a folder inside a run.
        string run = TrainedRun(dir);
        AssertOneErrorLine(CliRunner.Run(dir.Path, ["--run-dir", dir.File("x"), "--name", "a", .. Data]), ExitCodes.Refused, "leave out --name and --runs-dir");
        AssertOneErrorLine(CliRunner.Run(dir.Path, ["--run-dir", dir.File("x"), "--runs-dir", dir.File("y"), .. Data]), ExitCodes.Refused, "leave out --name and --runs-dir");
        AssertOneErrorLine(CliRunner.Run(dir.Path, ["--run-dir", "", .. Data]), ExitCodes.Refused, "--run-dir must name a folder");
        AssertOneErrorLine(CliRunner.Run(dir.Path, ["--run-dir", Path.Combine(run, "inner"), .. Data, .. SmallRun.Args(1, 300, 100)]), ExitCodes.Refused, $"is inside the run {run}");
        AssertOneErrorLine(CliRunner.Run(dir.Path, [.. _mnist.Args(run, SmallRun.Args(1, 300, 100))]), ExitCodes.Refused, $"is inside the run {run}");
        Assert.False(Directory.Exists(dir.File("x")) || Directory.Exists(Path.Combine(run, "inner")));
        Assert.Empty(Directory.GetDirectories(run));
    }
}
