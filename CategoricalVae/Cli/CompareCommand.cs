using System.CommandLine;
using CategoricalVae.Imaging;
using CategoricalVae.Runs;

namespace CategoricalVae.Cli;

/// <summary>`compare [run dirs…]`: a table of runs, a picture of one metric per epoch, optionally a CSV.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run folders to compare (default: every run under --runs-dir)", Arity = ArgumentArity.ZeroOrMore };
        var runsDir = new Option<string>("--runs-dir") { Description = "Folder holding the runs", DefaultValueFactory = _ => "runs" };
        var metric = new Option<string>("--metric") { Description = "test_loss, train_loss, test_bce or test_kl", DefaultValueFactory = _ => "test_loss" };
        var sort = new Option<string>("--sort") { Description = "best, final, name, epochs or time", DefaultValueFactory = _ => "best" };
        var output = new Option<string?>("--out") { Description = "Where to write the picture (default: <runs-dir>/compare.png)" };
        var csv = new Option<string?>("--csv") { Description = "Also write the table as CSV to this file" };

        var command = new Command("compare", "Compare runs: a table sorted by best test loss, and compare.png") { runs, runsDir, metric, sort, output, csv };
        command.SetAction(parse => Run(
            parse.GetValue(runs) ?? [], parse.GetValue(runsDir)!, parse.GetValue(metric)!, parse.GetValue(sort)!,
            parse.GetValue(output), parse.GetValue(csv)));
        return command;
    }

    static int Run(string[] folders, string runsDir, string metricName, string sort, string? output, string? csv)
    {
        if (!CompareMetricExtensions.TryParse(metricName, out CompareMetric metric))
            throw new UserFacingException($"--metric must be one of test_loss, train_loss, test_bce, test_kl (got '{metricName}').", 2);
        if (!CompareTable.SortKeys.Contains(sort))
            throw new UserFacingException($"--sort must be one of {string.Join(", ", CompareTable.SortKeys)} (got '{sort}').", 2);
        if (folders.Length == 0)
        {
            if (!Directory.Exists(runsDir))
                throw new UserFacingException($"{runsDir} does not exist; name run folders or point --runs-dir at them.");
            folders = Directory.GetDirectories(runsDir).Order(StringComparer.Ordinal).ToArray();
        }

        var summaries = new List<RunSummary>();
        foreach (string folder in folders)
        {
            RunSummary? summary = Directory.Exists(folder) ? RunSummary.Load(folder) : null;
            if (summary == null)
                Console.Error.WriteLine($"warning: skipped {folder}: not a run folder");
            else
                summaries.Add(summary);
        }
        if (summaries.Count == 0)
            throw new UserFacingException("No runs to compare.");

        var table = new CompareTable(summaries, metric, sort);
        Console.Write(table.ToText());
        string picture = output ?? Path.Combine(runsDir, "compare.png");
        ComparePlot.Write(picture, table.Runs, metric);
        Console.WriteLine($"Wrote {Path.GetFullPath(picture)}");
        if (csv != null)
        {
            AtomicFile.WriteText(csv, table.ToCsv());
            Console.WriteLine($"Wrote {Path.GetFullPath(csv)}");
        }
        return 0;
    }
}
