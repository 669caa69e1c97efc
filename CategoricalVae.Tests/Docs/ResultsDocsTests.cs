using System.Text.RegularExpressions;
using Xunit;

namespace CategoricalVae.Tests.Docs;

/// <summary>The figures of the results pages are measurements: each table row names the files under docs/results/
/// its figures come from, and every figure is recomputed from them here, rounded as printed. Changing a figure, or a
/// file, without the other fails.</summary>
[Trait("Category", Category.Unit)]
public class ResultsDocsTests
{
    [Fact]
    public void Every_figure_in_the_results_tables_is_what_its_files_give()
    {
        var tables = ResultsDocs.Tables().ToList();
        Assert.NotEmpty(tables);
        var problems = tables.SelectMany(ResultsDocs.Problems).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>A table of figures that names no files would go unchecked: every table of the pages either names its
    /// files or holds no decimal figure.</summary>
    [Fact]
    public void No_table_of_figures_goes_unchecked()
    {
        var figuresWithoutFiles = ResultsDocs.Pages
            .SelectMany(p => MarkdownTable.Read(Path.Combine(ResultsDocs.Docs, p)))
            .Where(t => !t.Headers.Contains("files") && t.Rows.Any(r => r.Any(c => Regex.IsMatch(MarkdownTable.Plain(c), @"\d\.\d"))))
            .Select(t => t.ToString()).ToList();
        Assert.True(figuresWithoutFiles.Count == 0, "tables with figures but no files column: " + string.Join(", ", figuresWithoutFiles));
    }

    /// <summary>The check can fail: a figure changed by a rounding step, or a file whose figure moved, is reported.</summary>
    [Fact]
    public void A_changed_figure_or_file_is_caught()
    {
        var table = ResultsDocs.Tables().First(t => t.Headers.Contains("−ELBO (discrete)"));
        int column = table.Headers.ToList().IndexOf("−ELBO (discrete)");
        var row = table.Rows.First(r => Regex.IsMatch(r[column], @"\d"));
        string changed = Regex.Replace(row[column], @"(\d)(?=\D*$)", m => ((int.Parse(m.Value) + 1) % 10).ToString());
        var edited = table with { Rows = table.Rows.Select(r => r == row ? (IReadOnlyList<string>)r.Select((c, i) => i == column ? changed : c).ToList() : r).ToList() };
        Assert.Empty(ResultsDocs.Problems(table));
        Assert.Contains(ResultsDocs.Problems(edited), p => p.Contains("−ELBO (discrete)"));
    }

    [Fact]
    public void Committed_results_carry_no_machine_paths_and_name_their_commit()
    {
        var files = Directory.EnumerateFiles(ResultsDocs.Results, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".csv", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        foreach (string path in files)
        {
            string text = File.ReadAllText(path);
            Assert.False(Regex.IsMatch(text, @"""/(work|tmp|home|root|usr|var|opt|mnt)/"), $"{path} holds a path of the machine that made it");
            string name = Path.GetRelativePath(ResultsDocs.Results, path);
            if (name.StartsWith("paper", StringComparison.Ordinal) || !path.EndsWith(".json", StringComparison.Ordinal))
                continue;
            Assert.True(Regex.IsMatch(text, @"""git_commit"": ""[0-9a-f]{40}"""), $"{name} does not name the commit it was made at");
        }
    }

    [Fact]
    public void Every_committed_result_is_named_by_a_page()
    {
        var linked = ResultsDocs.Pages.Concat(["../README.md"])
            .Select(p => File.ReadAllText(Path.Combine(ResultsDocs.Docs, p)))
            .SelectMany(text => Regex.Matches(text, @"\]\((results/[^)\s]+)\)").Select(m => m.Groups[1].Value))
            .Select(l => Path.GetFullPath(Path.Combine(ResultsDocs.Docs, l))).ToHashSet();
        var orphans = Directory.EnumerateFiles(ResultsDocs.Results, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".py", StringComparison.Ordinal) && !f.EndsWith(".md", StringComparison.Ordinal) && !linked.Contains(f))
            .Select(f => Path.GetRelativePath(ResultsDocs.Results, f)).ToList();
        Assert.True(orphans.Count == 0, "files no page names: " + string.Join(", ", orphans));
    }
}
