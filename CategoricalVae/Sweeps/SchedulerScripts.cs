using System.Text;
using CategoricalVae.Runs;

namespace CategoricalVae.Sweeps;

/// <summary>commands.txt (one self-contained training command per member, writing into the sweep folder) and
/// slurm-array.sh (an sbatch job array whose task i runs line i of commands.txt).</summary>
public sealed class SchedulerScripts(string sweepDir, SweepFile sweep)
{
    static string App => Path.Combine(AppContext.BaseDirectory, "CategoricalVae.dll");

    /// <summary>POSIX shell quoting: the line is run by bash, on the cluster as here.</summary>
    static string Quote(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:+,".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    public string Commands()
    {
        var text = new StringBuilder();
        string checkout = Common.Checkout.Root(AppContext.BaseDirectory) ?? Environment.CurrentDirectory;
        foreach (var m in sweep.Members)
        {
            var args = m.Args.Concat(["--run-dir", Path.Combine(sweepDir, m.Folder)]).Select(Quote);
            text.Append("cd ").Append(Quote(checkout)).Append(" && dotnet ").Append(Quote(App)).Append(' ').AppendJoin(' ', args).Append('\n');
        }
        return text.ToString();
    }

    public string SlurmArray(int? limit) =>
        $"""
        #!/bin/bash
        #SBATCH --job-name=cvae-sweep{(sweep.Name.Length > 0 ? "-" + sweep.Name : "")}
        #SBATCH --array=1-{sweep.Members.Count}{(limit is { } l ? "%" + l : "")}
        #SBATCH --cpus-per-task={sweep.ThreadsPerMember}
        #SBATCH --output={Quote(Path.Combine(sweepDir, "slurm-%A_%a.out"))}
        # One array task per member: task i runs line i of commands.txt. Afterwards
        #   sweep --resume {sweepDir}
        # finishes any member the cluster did not, and compare {sweepDir} groups them.
        set -euo pipefail
        line=$(sed -n "{"${SLURM_ARRAY_TASK_ID}"}p" {Quote(Path.Combine(sweepDir, SweepFile.CommandsName))})
        eval "$line"

        """;
}
