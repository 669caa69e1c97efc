using System.Diagnostics;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Sweeps;

/// <summary>commands.txt and slurm-array.sh run by bash, with paths no script should trust: task i runs exactly member
/// i's command, and nothing else runs. A stand-in `dotnet` first on PATH records what it was asked to run, so no
/// training or Slurm is needed.</summary>
[Trait("Category", Category.EndToEnd)]
public class SchedulerScriptsTests
{
    /// <summary>A newline, quotes of both kinds, command substitutions, a backslash, sbatch's '%' patterns, a tab.</summary>
    const string Hostile = "a\nb 'c' \"d\" $(touch PWNED) `touch PWNED2` \\e %A_%a\tf";

    static (int Code, string Output) Bash(string workDir, string script, Dictionary<string, string> env)
    {
        var start = new ProcessStartInfo("bash", ["-c", script]) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in env)
            start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Result + error);
    }

    /// <summary>Every argument list the stand-in recorded, in order.</summary>
    static List<string[]> Recorded(string file) => File.Exists(file)
        ? File.ReadAllText(file).Split('\u001e', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split('\0')[..^1]).ToList()
        : [];

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Each_line_and_each_array_task_runs_exactly_its_members_command_whatever_the_paths_hold()
    {
        using var dir = new TempDir();
        string runsDir = dir.File("runs " + Hostile), dataDir = dir.File("data " + Hostile);
        var plan = CliRunner.Run(dir.Path, ["sweep", "--vary", "hard=off,on", "--seeds", "1,2", "--epochs", "1", "--runs-dir", runsDir, "--data-dir", dataDir, "--plan-only"]);
        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        string sweepDir = Directory.GetDirectories(runsDir).Single();
        var members = SweepFile.Load(sweepDir).Members;
        string[] lines = File.ReadAllText(Path.Combine(sweepDir, SweepFile.CommandsName)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(members.Count, lines.Length);

        // The stand-in records its arguments (NUL-separated, a record separator after each call) and succeeds.
        string bin = dir.File("bin"), record = dir.File("record");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "dotnet"), "#!/bin/bash\nprintf '%s\\0' \"$@\" >> \"$RECORD\"\nprintf '\\036' >> \"$RECORD\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var env = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"), ["RECORD"] = record };

        string[] Expected(int i) => [CliRunner.AppDll, .. members[i].Args, "--run-dir", Path.Combine(sweepDir, members[i].Folder)];
        for (int i = 0; i < members.Count; i++)
        {
            File.Delete(record);
            var line = Bash(dir.Path, lines[i], env);
            Assert.True(line.Code == 0, line.Output);
            Assert.Equal(Expected(i), Assert.Single(Recorded(record)));

            File.Delete(record);
            var task = Bash(dir.Path, $"bash {SchedulerScripts.Quote(Path.Combine(sweepDir, SweepFile.SlurmScriptName))}",
                new(env) { ["SLURM_ARRAY_TASK_ID"] = $"{i + 1}", ["SLURM_ARRAY_JOB_ID"] = "77" });
            Assert.True(task.Code == 0, task.Output + File.ReadAllText(Path.Combine(sweepDir, $"slurm-77_{i + 1}.out")));
            Assert.Equal(Expected(i), Assert.Single(Recorded(record)));
        }
        // A task beyond the members runs nothing and says so.
        File.Delete(record);
        var beyond = Bash(dir.Path, $"bash {SchedulerScripts.Quote(Path.Combine(sweepDir, SweepFile.SlurmScriptName))}",
            new(env) { ["SLURM_ARRAY_TASK_ID"] = $"{members.Count + 1}", ["SLURM_ARRAY_JOB_ID"] = "77" });
        Assert.NotEqual(0, beyond.Code);
        Assert.Empty(Recorded(record));
        Assert.Empty(Directory.GetFiles(dir.Path, "PWNED*", SearchOption.AllDirectories));
        // The lines run in the checkout (cd is their first word): nothing there either.
        Assert.Empty(Directory.GetFiles(CategoricalVae.Common.Checkout.Root(AppContext.BaseDirectory)!, "PWNED*"));
    }
}
