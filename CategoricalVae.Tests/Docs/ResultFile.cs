using System.Globalization;
using System.Text.Json;

namespace CategoricalVae.Tests.Docs;

/// <summary>A file committed under docs/results/: a JSON document (evaluation.json, gradvar.json, config.json, bench
/// --json) or a CSV with a header (metrics.csv, compare --csv).</summary>
public sealed class ResultFile
{
    readonly JsonElement? _json;
    readonly string[] _header = [];
    readonly string[][] _rows = [];

    public ResultFile(string path)
    {
        Path = path;
        Text = File.ReadAllText(path);
        if (path.EndsWith(".json", StringComparison.Ordinal))
            _json = JsonDocument.Parse(Text).RootElement.Clone();
        else if (path.EndsWith(".csv", StringComparison.Ordinal))
        {
            var lines = Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            _header = lines[0].Split(',');
            _rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        }
    }

    public string Path { get; }
    public string Name => System.IO.Path.GetFileName(Path);
    public string Text { get; }

    /// <summary>The value at a dotted path of the JSON ("discrete_elbo.standard_error").</summary>
    public JsonElement Json(string path)
    {
        var e = _json ?? throw new InvalidOperationException($"{Name} is not JSON");
        foreach (string part in path.Split('.'))
            e = e.ValueKind == JsonValueKind.Array ? e[int.Parse(part, CultureInfo.InvariantCulture)] : e.GetProperty(part);
        return e;
    }

    public double Number(string path) => Json(path).GetDouble();

    public bool Has(string path)
    {
        try { Json(path); return true; }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException) { return false; }
    }

    /// <summary>The CSV's rows as column → text.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Rows =>
        _rows.Select(r => (IReadOnlyDictionary<string, string>)_header.Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList();

    /// <summary>A JSON object inside the file, read by paths relative to it.</summary>
    public sealed record Record(ResultFile File, string Prefix)
    {
        public double Number(string path) => File.Number($"{Prefix}.{path}");
    }

    public double Csv(IReadOnlyDictionary<string, string> row, string column) => double.Parse(row[column], CultureInfo.InvariantCulture);
}
