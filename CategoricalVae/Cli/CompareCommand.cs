using System.CommandLine;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Imaging;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;

namespace CategoricalVae.Cli;

/// <summary>`compare [run dirs…]`: a table of runs, a picture of one metric per epoch, optionally a CSV.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run folders to compare (default: every run under --runs-dir)", Arity = ArgumentArity.ZeroOrMore };
        var runsDir = OptionValues.Text("--runs-dir", "Folder holding the runs", "folder");
        runsDir.DefaultValueFactory = _ => TrainOptions.Defaults.RunsDir;
        var metric = OptionValues.Choice("--metric", "The metric to rank and plot", CompareMetricExtensions.Names);
        metric.DefaultValueFactory = _ => CompareMetric.TestLoss.ColumnName();
        var sort = OptionValues.Choice("--sort", "Row order", CompareTable.SortKeys);
        sort.DefaultValueFactory = _ => "best";
        var output = OptionValues.OptionalText("--out", "Where to write the picture (default: <runs-dir>/compare.png)", "file");
        var csv = OptionValues.OptionalText("--csv", "Also write the table as CSV to this file (for a sweep: one row per configuration)", "file");
        var members = OptionValues.Switch("--members", "For a sweep folder: list every member run instead of one row per configuration");

        var command = new Command("compare", "Compare runs: a table sorted by best test loss, and compare.png") { runs, runsDir, metric, sort, output, csv, members };
        command.SetAction(parse => Run(
            parse.GetValue(runs) ?? [], parse.GetValue(runsDir)!, parse.GetValue(metric)!, parse.GetValue(sort)!,
            parse.GetValue(output), parse.GetValue(csv), parse.GetValue(members)));
        return command;
    }

    static int Run(string[] folders, string runsDir, string metricName, string sort, string? output, string? csv, bool listMembers)
    {
        CompareMetricExtensions.TryParse(metricName, out CompareMetric metric);
        if (folders.Length == 1 && Directory.Exists(folders[0]) && SweepFile.IsSweep(folders[0]))
        {
            var sweep = SweepFile.Load(folders[0]);
            if (!listMembers)
                return CompareSweep(folders[0], sweep, metric, output, csv);
            folders = sweep.Members.Select(m => Path.Combine(folders[0], m.Folder)).Where(Directory.Exists).ToArray();
            output ??= Path.Combine(folders.Length > 0 ? Path.GetDirectoryName(folders[0])! : runsDir, "compare-members.png");
        }
        else if (listMembers)
        {
            throw UserFacingException.Refused("--members needs one sweep folder (one holding sweep.json).");
        }
        if (folders.Length == 0)
        {
            if (!Directory.Exists(runsDir))
                throw UserFacingException.Refused($"{runsDir} does not exist; name run folders or point --runs-dir at them.");
            folders = Directory.GetDirectories(runsDir).Order(StringComparer.Ordinal).ToArray();
        }
        else if (folders.FirstOrDefault(f => !Directory.Exists(f)) is { } missing)
        {
            throw UserFacingException.Refused(missing.StartsWith('-')
                ? $"compare has no option {missing} (see compare --help)."
                : $"{missing} is not a folder.");
        }

        var summaries = new List<RunSummary>();
        foreach (string folder in folders)
        {
            RunSummary? summary = RunSummary.Load(folder);
            if (summary == null && SweepFile.IsSweep(folder))
                Console.Error.WriteLine($"note: skipped {folder}: a sweep; compare {folder} groups its members");
            else if (summary == null)
                Console.Error.WriteLine($"warning: skipped {folder}: not a run folder");
            else
                summaries.Add(summary);
        }
        if (summaries.Count == 0)
            throw UserFacingException.Refused("No runs to compare.");

        var table = new CompareTable(summaries, metric, sort);
        Console.Write(table.ToText());
        string picture = output ?? Path.Combine(runsDir, "compare.png");
        ComparePlot.Write(picture, table.Runs, metric, AtomicWriter.Plain);
        Console.WriteLine($"Wrote {Path.GetFullPath(picture)}");
        if (csv != null)
        {
            AtomicWriter.Plain.WriteText(csv, table.ToCsv());
            Console.WriteLine($"Wrote {Path.GetFullPath(csv)}");
        }
        return ExitCodes.Success;
    }

    static int CompareSweep(string dir, SweepFile sweep, CompareMetric metric, string? output, string? csv)
    {
        var groups = new List<SweepGroup>();
        var missing = new List<string>();
        foreach (var configuration in sweep.Members.GroupBy(m => m.Configuration))
        {
            var runs = new List<RunSummary>();
            foreach (var m in configuration)
                if (sweep.CurrentStatus(dir, m) == MemberStatus.Done && RunSummary.Load(Path.Combine(dir, m.Folder)) is { } summary)
                    runs.Add(summary);
                else
                    missing.Add(m.Folder);
            groups.Add(new SweepGroup(configuration.Key, runs, metric));
        }
        var table = new SweepTable(groups, metric);
        Console.Write(table.ToText());
        if (missing.Count > 0)
            Console.WriteLine($"note: {missing.Count} of {sweep.Members.Count} members are not complete and are left out ({string.Join(", ", missing)}; sweep --resume {dir} finishes them).");
        string picture = output ?? Path.Combine(dir, "compare.png");
        var bands = table.Groups.Where(g => g.Members.Any(m => m.Rows.Count > 0))
            .Select(g => new SweepPlot.Band($"{g.Configuration} (n={g.Seeds})", g.Curve())).ToList();
        SweepPlot.Write(picture, bands, metric.ColumnName(), AtomicWriter.Plain);
        Console.WriteLine($"Wrote {Path.GetFullPath(picture)}");
        if (csv != null)
        {
            AtomicWriter.Plain.WriteText(csv, table.ToCsv());
            Console.WriteLine($"Wrote {Path.GetFullPath(csv)}");
        }
        return ExitCodes.Success;
    }
}
