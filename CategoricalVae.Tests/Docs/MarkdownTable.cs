using System.Text.RegularExpressions;

namespace CategoricalVae.Tests.Docs;

/// <summary>A pipe table of a Markdown page: its header cells, its rows of cells, and where it is.</summary>
public sealed record MarkdownTable(string Page, int Line, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>Every table of the page at <paramref name="path"/>, outside fenced code blocks.</summary>
    public static IReadOnlyList<MarkdownTable> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var tables = new List<MarkdownTable>();
        bool fenced = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
                fenced = !fenced;
            if (fenced || !IsRow(lines[i]) || i + 1 >= lines.Length || !Regex.IsMatch(lines[i + 1], @"^\s*\|(\s*:?-+:?\s*\|)+\s*$"))
                continue;
            var headers = Cells(lines[i]);
            var rows = new List<IReadOnlyList<string>>();
            int start = i;
            for (i += 2; i < lines.Length && IsRow(lines[i]); i++)
                rows.Add(Cells(lines[i]));
            tables.Add(new MarkdownTable(Path.GetFileName(path), start + 1, headers, rows));
        }
        return tables;
    }

    static bool IsRow(string line) => line.TrimStart().StartsWith('|');

    /// <summary>The cells of a row, trimmed; a pipe inside backticks or escaped as \| does not split.</summary>
    static IReadOnlyList<string> Cells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool code = false;
        string text = line.Trim();
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '`')
                code = !code;
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '|')
            {
                cell.Append('|');
                i++;
                continue;
            }
            if (c == '|' && !code)
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
                continue;
            }
            cell.Append(c);
        }
        return cells;
    }

    /// <summary>The links of a cell: [text](target) → target.</summary>
    public static IReadOnlyList<string> Links(string cell) =>
        Regex.Matches(cell, @"\[[^\]]*\]\(([^)\s]+)\)").Select(m => m.Groups[1].Value).ToList();

    /// <summary>A cell as its figure reads, without bold, links or footnote marks.</summary>
    public static string Plain(string cell) => Regex.Replace(cell.Replace("**", ""), @"\[([^\]]*)\]\([^)]*\)", "$1").Trim();

    public override string ToString() => $"{Page}:{Line}";
}
