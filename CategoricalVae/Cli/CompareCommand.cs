using System.CommandLine;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Imaging;
using CategoricalVae.Runs;

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
        var csv = OptionValues.OptionalText("--csv", "Also write the table as CSV to this file", "file");

        var command = new Command("compare", "Compare runs: a table sorted by best test loss, and compare.png") { runs, runsDir, metric, sort, output, csv };
        command.SetAction(parse => Run(
            parse.GetValue(runs) ?? [], parse.GetValue(runsDir)!, parse.GetValue(metric)!, parse.GetValue(sort)!,
            parse.GetValue(output), parse.GetValue(csv)));
        return command;
    }

    static int Run(string[] folders, string runsDir, string metricName, string sort, string? output, string? csv)
    {
        CompareMetricExtensions.TryParse(metricName, out CompareMetric metric);
        if (folders.Length == 0)
        {
            if (!Directory.Exists(runsDir))
                throw UserFacingException.Refused($"{runsDir} does not exist; name run folders or point --runs-dir at them.");
            folders = Directory.GetDirectories(runsDir).Order(StringComparer.Ordinal).ToArray();
        }
        else if (folders.FirstOrDefault(f => !Directory.Exists(f)) is { } missing)
        {
            throw UserFacingException.Refused($"{missing} is not a folder.");
        }

        var summaries = new List<RunSummary>();
        foreach (string folder in folders)
        {
            RunSummary? summary = RunSummary.Load(folder);
            if (summary == null)
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
}
