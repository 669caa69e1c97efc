using System.Text;
using CategoricalVae.Runs;

namespace CategoricalVae.Sweeps;

/// <summary>commands.txt (one self-contained training command per member, writing into the sweep folder) and
/// slurm-array.sh (an sbatch job array whose task i runs line i of commands.txt). Every string from the user (paths,
/// option values) reaches bash through <see cref="Quote"/>, so whatever it holds, line i is exactly member i's
/// command and nothing else runs.</summary>
public sealed class SchedulerScripts(string sweepDir, SweepFile sweep)
{
    static string App => Path.Combine(AppContext.BaseDirectory, "CategoricalVae.dll");

    /// <summary>One word for bash: safe characters as they are; otherwise in single quotes; and when the string holds an
    /// ASCII control character (a newline would split the member's line of commands.txt, and sed would hand task i
    /// the wrong command), in bash's $'…' form with each such character escaped, so the word stays on one line and
    /// bash passes exactly the original string on.</summary>
    public static string Quote(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:+,".Contains(c)))
            return s;
        if (!s.Any(IsAsciiControl))
            return "'" + s.Replace("'", "'\\''") + "'";
        var word = new StringBuilder("$'");
        foreach (char c in s)
            word.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                _ when IsAsciiControl(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        return word.Append('\'').ToString();
    }

    static bool IsAsciiControl(char c) => c < ' ' || c == '\x7f';

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

    /// <summary>The job array. Its output goes through bash, not sbatch's --output, whose file-name patterns read '%'
    /// and '\' in a path as their own.</summary>
    public string SlurmArray(int? limit) =>
        $$"""
        #!/bin/bash
        #SBATCH --job-name=cvae-sweep{{(sweep.Name.Length > 0 ? "-" + sweep.Name : "")}}
        #SBATCH --array=1-{{sweep.Members.Count}}{{(limit is { } l ? "%" + l : "")}}
        #SBATCH --cpus-per-task={{sweep.ThreadsPerMember}}
        #SBATCH --output=/dev/null
        # One array task per member: task i runs line i of {{SweepLayout.CommandsName}}, its output in
        # slurm-<job>_<task>.out in the sweep folder. Afterwards
        #   sweep --resume {{Quote(sweepDir)}}
        # finishes any member the cluster did not, and compare {{Quote(sweepDir)}} groups them.
        set -euo pipefail
        sweep={{Quote(sweepDir)}}
        exec >"$sweep/slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out" 2>&1
        line=$(sed -n "${SLURM_ARRAY_TASK_ID}p" "$sweep/{{SweepLayout.CommandsName}}")
        if [ -z "$line" ]; then echo "{{SweepLayout.CommandsName}} has no line $SLURM_ARRAY_TASK_ID" >&2; exit 1; fi
        eval "$line"

        """;
}
