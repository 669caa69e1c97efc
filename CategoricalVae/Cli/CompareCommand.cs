using System.CommandLine;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Imaging;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using CategoricalVae.Training;

namespace CategoricalVae.Cli;

/// <summary>`compare [run dirs…]`: a table of runs, a picture of one metric per epoch, optionally a CSV.</summary>
public static class CompareCommand
{
    public static Command Create(CliServices services)
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
            parse.GetValue(output), parse.GetValue(csv), parse.GetValue(members), services.Writer));
        return command;
    }

    static int Run(string[] folders, string runsDir, string metricName, string sort, string? output, string? csv, bool listMembers, AtomicWriter writer)
    {
        // Listening from the first moment: a stop while thousands of runs are read ends with 130 and writes nothing.
        using var stop = StopSignal.ListenToConsole();
        CompareMetricExtensions.TryParse(metricName, out CompareMetric metric);
        if (string.IsNullOrWhiteSpace(runsDir))
            throw UserFacingException.Refused("--runs-dir must name a folder.");
        var csvFile = csv == null ? null : OutputPath.Check("--csv", csv);
        if (folders.Length == 1 && Directory.Exists(folders[0]) && SweepFile.IsSweep(folders[0]))
        {
            var sweep = CheckedSweep.Open(folders[0], new TrainArguments(new TrainOptionSet()));
            if (!listMembers)
                return CompareSweep(sweep, metric, Picture(output, Path.Combine(folders[0], "compare.png"), csvFile), csvFile, stop, writer);
            folders = sweep.Sweep.Members.Select(sweep.MemberFolder).Where(Directory.Exists).ToArray();
            output ??= Path.Combine(sweep.Folder, "compare-members.png");
        }
        else if (listMembers)
        {
            throw UserFacingException.Refused("--members needs one sweep folder (one holding sweep.json).");
        }
        if (folders.Length == 0)
        {
            if (!Directory.Exists(runsDir))
                throw UserFacingException.Refused($"--runs-dir {runsDir} does not exist; name run folders or point --runs-dir at them.");
            folders = Directory.GetDirectories(runsDir).Order(StringComparer.Ordinal).ToArray();
        }
        else if (folders.FirstOrDefault(f => !Directory.Exists(f)) is { } missing)
        {
            throw UserFacingException.Refused(missing.StartsWith('-')
                ? $"compare has no option {missing} (see compare --help)."
                : $"'{missing}' is not a folder.");
        }
        var picture = Picture(output, Path.Combine(runsDir, "compare.png"), csvFile);

        if (folders.Length > ManyRuns)
            Console.Error.WriteLine($"Reading {folders.Length} folders …");
        var summaries = new List<RunSummary>();
        foreach (string folder in folders)
        {
            if (stop.Requested)
                return Stopped();
            RunSummary? summary;
            try
            {
                summary = RunSummary.Load(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // One run that cannot be read is a note, never the end of the comparison.
                Console.Error.WriteLine($"note: skipped {folder}: cannot be read ({e.Message.Split('\n')[0].Trim()})");
                continue;
            }
            if (summary == null && SweepFile.IsSweep(folder))
                Console.Error.WriteLine($"note: skipped {folder}: a sweep; compare {folder} groups its members");
            else if (summary == null)
                Console.Error.WriteLine($"warning: skipped {folder}: not a run folder");
            else
                summaries.Add(summary);
        }
        if (summaries.Count == 0)
            throw UserFacingException.Refused("No runs to compare.");
        if (stop.Requested)
            return Stopped();

        var table = new CompareTable(summaries, metric, sort);
        byte[] png = ComparePlot.Png(table.Runs, metric);
        if (stop.Requested)
            return Stopped();
        Console.Write(table.ToText());
        ResultFile.ThrowIfAny(
            ResultFile.SavePicture(picture, png, writer),
            csvFile == null ? null : ResultFile.SaveText(csvFile, table.ToCsv(), writer));
        return ExitCodes.Success;
    }

    /// <summary>Folders above which reading them says so (on stderr, so the table stays clean).</summary>
    const int ManyRuns = 200;

    /// <summary>The picture's path, checked before the work: --out, or the default the command chose.</summary>
    static OutputPath Picture(string? output, string defaultPath, OutputPath? csv)
    {
        var picture = OutputPath.Check(output != null ? "--out" : "the picture", output ?? defaultPath);
        if (csv != null && csv.FullPath == picture.FullPath)
            throw UserFacingException.Refused($"--csv and the picture are the same file ({csv.FullPath}); give --out or --csv another name.");
        return picture;
    }

    static int Stopped()
    {
        Console.Error.WriteLine("compare stopped by request; nothing written.");
        return ExitCodes.Interrupted;
    }

    static int CompareSweep(CheckedSweep sweep, CompareMetric metric, OutputPath picture, OutputPath? csv, StopSignal stop, AtomicWriter writer)
    {
        SweepComparison comparison;
        try
        {
            comparison = SweepComparison.Of(sweep, metric, () => stop.Requested);
        }
        catch (OperationCanceledException)
        {
            return Stopped();
        }
        if (stop.Requested)
            return Stopped();
        var table = new SweepTable(comparison.Groups, metric);
        var bands = table.Groups.Where(g => g.Members.Any(m => m.Rows.Count > 0))
            .Select(g => new SweepPlot.Band($"{g.Configuration} (n={g.Seeds})", g.Curve())).ToList();
        byte[] png = SweepPlot.Png(bands, metric.ColumnName());
        if (stop.Requested)
            return Stopped();
        foreach (string note in comparison.Notes)
            Console.WriteLine($"note: {note}");
        Console.Write(table.ToText());
        ResultFile.ThrowIfAny(
            ResultFile.SavePicture(picture, png, writer),
            csv == null ? null : ResultFile.SaveText(csv, table.ToCsv(), writer));
        return ExitCodes.Success;
    }
}
