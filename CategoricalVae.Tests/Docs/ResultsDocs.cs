namespace CategoricalVae.Tests.Docs;

/// <summary>
/// The pages whose figures are measurements, and the check that reads them: every table with a "files" column is
/// recomputed row by row from the files under docs/results/ that the row links, by the rule its column header names
/// (<see cref="FigureRules"/>), rounded as printed.
/// </summary>
public static class ResultsDocs
{
    public static readonly string[] Pages = ["results.md", "estimators.md", "performance.md", "sweeps.md"];

    public static string Docs => Path.Combine(SourceTree.Root, "docs");

    public static string Results => Path.Combine(Docs, "results");

    /// <summary>Every table of the pages that names its files.</summary>
    public static IEnumerable<MarkdownTable> Tables() =>
        Pages.SelectMany(p => MarkdownTable.Read(Path.Combine(Docs, p))).Where(t => t.Headers.Contains("files"));

    /// <summary>What is wrong with <paramref name="table"/>: each figure that is not what its files give, each file that
    /// is missing, each column without a rule. Empty when every figure holds.</summary>
    public static IReadOnlyList<string> Problems(MarkdownTable table)
    {
        var problems = new List<string>();
        int filesColumn = table.Headers.ToList().IndexOf("files");
        foreach (var (cells, index) in table.Rows.Select((r, i) => (r, i)))
        {
            string where = $"{table.Page}:{table.Line + 2 + index}";
            if (cells.Count != table.Headers.Count)
            {
                problems.Add($"{where}: {cells.Count} cells under {table.Headers.Count} headers");
                continue;
            }
            var files = new List<ResultFile>();
            foreach (string link in MarkdownTable.Links(cells[filesColumn]))
            {
                string path = Path.GetFullPath(Path.Combine(Docs, link));
                if (!path.StartsWith(Results + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
                    problems.Add($"{where}: {link} is not a file under docs/results/");
                else
                    files.Add(new ResultFile(path));
            }
            if (files.Count == 0)
            {
                problems.Add($"{where}: the row links no file");
                continue;
            }
            var row = new FigureRules.Row(table.Headers.Zip(cells).ToDictionary(p => p.First, p => MarkdownTable.Plain(p.Second)), files);
            foreach (var (header, cell) in table.Headers.Zip(cells))
            {
                if (FigureRules.Labels.Contains(header))
                    continue;
                if (!FigureRules.ByHeader.TryGetValue(header, out var rule))
                {
                    problems.Add($"{where}: no rule for the column '{header}'");
                    continue;
                }
                string expected;
                try
                {
                    expected = rule(row);
                }
                catch (Exception e)
                {
                    problems.Add($"{where}, {header}: {e.Message}");
                    continue;
                }
                if (MarkdownTable.Plain(cell) != expected)
                    problems.Add($"{where}, {header}: the page says '{MarkdownTable.Plain(cell)}', its files give '{expected}'");
            }
        }
        return problems;
    }
}
