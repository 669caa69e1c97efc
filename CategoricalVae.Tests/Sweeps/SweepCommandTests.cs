using System.Diagnostics;
using System.Text.Json;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Sweeps;

/// <summary>`sweep` end to end on real MNIST: the grid, the member folders, compare's groups, kills and resumes,
/// commands.txt for other schedulers and a real Slurm.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class SweepCommandTests
{
    readonly RealMnist _mnist;

    public SweepCommandTests(RealMnist mnist) => _mnist = mnist;

    static readonly string[] Tiny = ["--vary", "hard=off,on", "--seeds", "1,2", "--jobs", "2", .. SmallRun.Args(2, 2000, 500, tensorBoard: true)];

    string[] Sweep(string runsDir, params string[] args) => ["sweep", .. args, "--runs-dir", runsDir, "--data-dir", _mnist.DataDir, "--offline", "--no-tensorboard"];

    static string SweepFolder(string runsDir) => Directory.GetDirectories(runsDir).Single(d => SweepFile.IsSweep(d));

    static Dictionary<string, List<double[]>> Losses(string sweepDir) =>
        SweepFile.Load(sweepDir).Members.ToDictionary(m => m.Folder, m => RunFolder.LossColumns(Path.Combine(sweepDir, m.Folder)));

    [Fact]
    public void A_two_by_two_sweep_gives_four_complete_members_and_compare_groups_them_with_bands()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Sweep(dir.File("runs"), [.. Tiny, "--name", "tau-study"]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string sweepDir = SweepFolder(dir.File("runs"));
        Assert.Matches(@"\d{8}-\d{6}-sweep-tau-study$", sweepDir);
        var sweep = SweepFile.Load(sweepDir);
        Assert.Equal(["hard-off_seed-1", "hard-off_seed-2", "hard-on_seed-1", "hard-on_seed-2"], sweep.Members.Select(m => m.Folder));
        Assert.All(sweep.Members, m => Assert.Equal(MemberStatus.Done, m.Status));
        Assert.All(sweep.Members, m => Assert.NotNull(m.FinalTestLoss));
        Assert.Equal(1, sweep.ThreadsPerMember);
        // Each member is an ordinary run whose config.json records the split.
        foreach (var m in sweep.Members)
        {
            var config = RunConfig.Load(Path.Combine(sweepDir, m.Folder, RunLayout.ConfigName));
            Assert.Equal(1, config.Options.Threads);
            Assert.Equal(m.Settings["hard"] == "on", config.Options.Hard);
            Assert.Equal(long.Parse(m.Settings["seed"]), config.Options.Seed);
            Assert.Equal(2, RunFolder.Rows(Path.Combine(sweepDir, m.Folder)).Count);
        }
        Assert.Contains("done   hard-on_seed-2  final test loss", r.Stdout);

        // Training side by side in one process changes nothing: a member equals the same run trained alone.
        var alone = CliRunner.Run(dir.Path, _mnist.Args("alone", ["--hard", "--seed", "2", "--threads", "1", .. SmallRun.Args(2, 2000, 500)]));
        Assert.Equal(0, alone.ExitCode);
        Assert.Equal(RunFolder.LossColumns(RunFolder.Single(dir.File("alone"))), RunFolder.LossColumns(Path.Combine(sweepDir, "hard-on_seed-2")));

        var compare = CliRunner.Run(dir.Path, ["compare", sweepDir, "--csv", dir.File("groups.csv")]);
        Assert.True(compare.ExitCode == 0, compare.Stderr);
        var lines = compare.Stdout.Split('\n');
        Assert.StartsWith("configuration", lines[0]);
        Assert.Equal(["hard-off", "hard-on"], lines.Skip(1).Take(2).Select(l => l.Split(' ')[0]).Order());
        Assert.Contains("best", lines[1]);
        Assert.Matches(@"±\d+\.\d\d", lines[2]);
        var png = Path.Combine(sweepDir, "compare.png");
        Assert.True(File.Exists(png));
        var csv = File.ReadAllLines(dir.File("groups.csv"));
        Assert.Equal(3, csv.Length);
        // Mean and sd of a configuration are those of its members.
        var off = sweep.Members.Where(m => m.Settings["hard"] == "off").Select(m => RunFolder.Rows(Path.Combine(sweepDir, m.Folder))[^1].TestLoss).ToList();
        var row = csv.Single(l => l.StartsWith("hard-off,", StringComparison.Ordinal)).Split(',');
        Assert.Equal("2", row[1]);
        Assert.Equal(off.Average(), double.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture), 2);
        Assert.Equal(Math.Sqrt(WelchInterval.Variance(off)), double.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), 2);

        var members = CliRunner.Run(dir.Path, ["compare", sweepDir, "--members"]);
        Assert.Equal(0, members.ExitCode);
        Assert.Equal(4, members.Stdout.Split('\n').Count(l => l.StartsWith("hard-", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_sweep_killed_midway_and_resumed_ends_with_the_losses_of_an_uninterrupted_sweep()
    {
        using var dir = new TempDir();
        string[] args = ["--vary", "hard=off,on", "--seeds", "1,2", "--jobs", "2", .. SmallRun.Args(3, 3000, 300, tensorBoard: true)];
        var whole = CliRunner.Run(dir.Path, Sweep(dir.File("whole"), args));
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        var expected = Losses(SweepFolder(dir.File("whole")));

        using (var p = CliRunner.Start(dir.Path, Sweep(dir.File("killed"), args)))
        {
            var clock = Stopwatch.StartNew();
            // Kill once some member has finished an epoch and not all are done: some complete, some mid-way.
            while (!(Directory.Exists(dir.File("killed")) && Directory.GetFiles(dir.File("killed"), RunLayout.MetricsName, SearchOption.AllDirectories).Length >= 2))
            {
                Assert.False(p.HasExited, "the sweep ended before the kill point");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the kill point never came");
                Thread.Sleep(10);
            }
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        string killed = SweepFolder(dir.File("killed"));
        Assert.Contains(SweepFile.Load(killed).Members, m => m.Status != MemberStatus.Done);

        var resumed = CliRunner.Run(dir.Path, ["sweep", "--resume", killed, "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.All(SweepFile.Load(killed).Members, m => Assert.Equal(MemberStatus.Done, m.Status));
        Assert.Equal(expected, Losses(killed));

        // A second --resume has nothing left to do.
        var again = CliRunner.Run(dir.Path, ["sweep", "--resume", killed]);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("4 of 4 members already complete", again.Stdout);
    }

    [Theory]
    [InlineData("--vary bogus=1,2", "--vary bogus: not a training option")]
    [InlineData("--vary hard=maybe", "--vary hard: a switch takes on or off, not 'maybe'")]
    [InlineData("--vary epochs=2,x", "member epochs-x_seed-2020:")]
    [InlineData("--vary lr=1e-3,-1", "member lr--1_seed-2020: --lr must be a positive number")]
    [InlineData("--vary seed=1,2", "--seeds 1,2,3")]
    [InlineData("--seeds 1,a", "--seeds: 'a' is not a whole number")]
    [InlineData("--vary hard", "write OPTION=v1,v2")]
    [InlineData("--jobs 0", "--jobs must be between 1")]
    [InlineData("--vary anneal-rate=1e-4,1E-4", "would train the same run")]
    public void Bad_grids_are_refused_in_one_line_before_anything_is_created(string args, string expected)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Sweep(dir.File("runs"), args.Split(' ')));
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.False(Directory.Exists(dir.File("runs")));
    }

    [Fact]
    public void A_failing_member_is_recorded_the_others_finish_and_the_sweep_exits_1()
    {
        using var dir = new TempDir();
        // An enormous learning rate makes the loss non-finite, which ends that member's training.
        var r = CliRunner.Run(dir.Path, Sweep(dir.File("runs"), ["--vary", "lr=1e-3,1e11", .. SmallRun.Args(1, 1000, 200, tensorBoard: true)]));
        Assert.Equal(1, r.ExitCode);
        var sweep = SweepFile.Load(SweepFolder(dir.File("runs")));
        Assert.Equal(MemberStatus.Done, sweep.Members.Single(m => m.Settings["lr"] == "1e-3").Status);
        var failed = sweep.Members.Single(m => m.Settings["lr"] == "1e11");
        Assert.Equal(MemberStatus.Failed, failed.Status);
        Assert.False(string.IsNullOrEmpty(failed.Error));
        Assert.Contains("1 member(s) failed", r.Stderr);
    }

    [Fact]
    public void Plan_only_writes_commands_any_scheduler_can_run_and_resume_finishes_the_rest()
    {
        using var dir = new TempDir();
        var plan = CliRunner.Run(dir.Path, Sweep(dir.File("runs"), ["--vary", "hard=off,on", .. SmallRun.Args(1, 500, 100, tensorBoard: true), "--plan-only", "--slurm-limit", "2"]));
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        string sweepDir = SweepFolder(dir.File("runs"));
        var commands = File.ReadAllLines(Path.Combine(sweepDir, SweepFile.CommandsName));
        Assert.Equal(2, commands.Length);
        string script = File.ReadAllText(Path.Combine(sweepDir, SweepFile.SlurmScriptName));
        Assert.Contains("#SBATCH --array=1-2%2", script);
        Assert.Contains("#SBATCH --cpus-per-task=", script);
        Assert.All(SweepFile.Load(sweepDir).Members, m => Assert.False(Directory.Exists(Path.Combine(sweepDir, m.Folder))));

        // A scheduler runs the first line only.
        var line = Process.Start(new ProcessStartInfo("bash", ["-c", commands[0]]) { RedirectStandardOutput = true })!;
        line.StandardOutput.ReadToEnd();
        line.WaitForExit();
        Assert.Equal(0, line.ExitCode);
        Assert.Single(RunFolder.Rows(Path.Combine(sweepDir, "hard-off_seed-2020")));

        var resumed = CliRunner.Run(dir.Path, ["sweep", "--resume", sweepDir]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("1 of 2 members already complete", resumed.Stdout);
        Assert.All(SweepFile.Load(sweepDir).Members, m => Assert.Equal(MemberStatus.Done, m.Status));
        // Running a planned command twice does not overwrite the member.
        var twice = Process.Start(new ProcessStartInfo("bash", ["-c", commands[0]]) { RedirectStandardError = true })!;
        string error = twice.StandardError.ReadToEnd();
        twice.WaitForExit();
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("already exists", error);
    }

    [FactWhenSlurm]
    public void A_sweep_planned_for_slurm_runs_as_a_job_array_and_compare_groups_it()
    {
        using var dir = new TempDir();
        var plan = CliRunner.Run(dir.Path, Sweep(dir.File("runs"), ["--vary", "hard=off,on", "--seeds", "1,2", .. SmallRun.Args(1, 500, 100, tensorBoard: true), "--plan-only"]));
        Assert.True(plan.ExitCode == 0, plan.Stderr);
        string sweepDir = SweepFolder(dir.File("runs"));
        var sbatch = Process.Start(new ProcessStartInfo("sbatch", ["--wait", Path.Combine(sweepDir, SweepFile.SlurmScriptName)]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string said = sbatch.StandardOutput.ReadToEnd() + sbatch.StandardError.ReadToEnd();
        Assert.True(sbatch.WaitForExit(600_000), "the Slurm job did not finish in 10 minutes");
        Assert.True(sbatch.ExitCode == 0, said);
        var sweep = SweepFile.Load(sweepDir);
        Assert.All(sweep.Members, m => Assert.Equal(MemberStatus.Done, sweep.CurrentStatus(sweepDir, m)));
        Assert.Equal(4, Directory.GetFiles(sweepDir, "slurm-*.out").Length);

        var resumed = CliRunner.Run(dir.Path, ["sweep", "--resume", sweepDir]);
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("4 of 4 members already complete", resumed.Stdout);
        var compare = CliRunner.Run(dir.Path, ["compare", sweepDir]);
        Assert.Equal(0, compare.ExitCode);
        Assert.Equal(["hard-off", "hard-on"], compare.Stdout.Split('\n').Skip(1).Take(2).Select(l => l.Split(' ')[0]).Order());
    }
}
