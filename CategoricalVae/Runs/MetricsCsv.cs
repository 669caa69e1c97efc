using System.Globalization;
using CategoricalVae.Common;

namespace CategoricalVae.Runs;

/// <summary>
/// metrics.csv: one row per completed epoch, appended as the epoch ends. The column names and order are a
/// published format (docs/runs.md); new columns are only ever appended at the end, and the reader goes by header
/// names, so files from older and newer versions both read.
/// </summary>
public static class MetricsCsv
{
    public static readonly string[] Columns =
    [
        "epoch", "global_step", "temperature", "train_loss", "train_bce", "train_kl",
        "test_loss", "test_bce", "test_kl", "epoch_seconds", "examples_per_second",
        "latent_perplexity", "dead_latents", "active_latents",
    ];

    // Columns a row must have to be usable; the rest may be missing in files of older versions.
    const int RequiredColumns = 11;

    public static string Header => string.Join(",", Columns);

    public static string Format(EpochMetrics m) => string.Join(",", new[]
    {
        m.Epoch.ToString(CultureInfo.InvariantCulture),
        m.GlobalStep.ToString(CultureInfo.InvariantCulture),
        F(m.Temperature), F(m.TrainLoss), F(m.TrainBce), F(m.TrainKl),
        F(m.TestLoss), F(m.TestBce), F(m.TestKl),
        m.EpochSeconds.ToString("F3", CultureInfo.InvariantCulture),
        m.ExamplesPerSecond.ToString("F1", CultureInfo.InvariantCulture),
        F(m.LatentPerplexity),
        m.DeadLatents.ToString(CultureInfo.InvariantCulture),
        m.ActiveLatents.ToString(CultureInfo.InvariantCulture),
    });

    /// <summary>Appends a row. The whole file is rewritten through a temp file and a rename: a kill or a full
    /// disk at any moment leaves either the old rows or the old rows plus the new one, never a torn line.</summary>
    public static void Append(string path, EpochMetrics m, AtomicWriter writer)
    {
        bool isNew = !File.Exists(path) || new FileInfo(path).Length == 0;
        string previous = isNew ? Header + "\n" : File.ReadAllText(path);
        // A run of an older version, resumed: its rows are rewritten under today's header (the columns it lacks
        // read as NaN / -1), so every line keeps the header's number of fields.
        if (!previous.StartsWith(Header + "\n", StringComparison.Ordinal))
            previous = Header + "\n" + string.Concat(Read(path).Select(r => Format(r) + "\n"));
        writer.WriteText(path, previous + Format(m) + "\n");
    }

    /// <summary>Complete, readable rows only.</summary>
    public static List<EpochMetrics> Read(string path) => [.. ReadWithNotes(path).Rows];

    /// <summary>Every complete, parseable row, plus a note for each thing that was not.</summary>
    public static MetricsFile ReadWithNotes(string path)
    {
        var rows = new List<EpochMetrics>();
        var notes = new List<string>();
        if (!File.Exists(path))
            return new MetricsFile(rows, ["no metrics.csv"]);
        string[] lines;
        try
        {
            lines = RegularFile.ReadAllText(path).Split('\n');
        }
        catch (IOException e)
        {
            return new MetricsFile(rows, [$"unreadable: {e.Message}"], Damaged: true);
        }
        if (lines.Length < 2 || lines[0].Trim().Length == 0)
            return new MetricsFile(rows, ["metrics.csv is empty"]);

        string[] header = lines[0].TrimEnd('\r').Split(',');
        var index = new Dictionary<string, int>();
        for (int i = 0; i < header.Length; i++)
            index.TryAdd(header[i], i);
        string[] missing = Columns.Take(RequiredColumns).Where(c => !index.ContainsKey(c)).ToArray();
        if (missing.Length > 0)
            return new MetricsFile(rows, [$"metrics.csv lacks column(s) {string.Join(", ", missing)}"], Damaged: true);
        if (header.Except(Columns).Any())
            notes.Add($"ignored unknown column(s) {string.Join(", ", header.Except(Columns))}");

        bool damaged = false;
        // The element after the last '\n' is "" for a well-formed file, or a torn partial row.
        if (lines[^1].Length > 0)
        {
            notes.Add("last line incomplete (run stopped while writing it)");
            damaged = true;
        }
        for (int i = 1; i < lines.Length - 1; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
                continue;
            string[] f = line.Split(',');
            if (f.Length != header.Length || !TryParse(f, index, out EpochMetrics? row))
            {
                notes.Add($"line {i + 1} unreadable");
                damaged = true;
                continue;
            }
            rows.Add(row!);
        }
        return new MetricsFile(rows, notes, damaged);
    }

    static bool TryParse(string[] f, Dictionary<string, int> index, out EpochMetrics? row)
    {
        row = null;
        bool Get(string column, out double value)
        {
            value = double.NaN;
            return index.TryGetValue(column, out int i) && double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
        var required = new double[RequiredColumns];
        for (int c = 0; c < RequiredColumns; c++)
            if (!Get(Columns[c], out required[c]))
                return false;
        if (required[0] is < 1 or > int.MaxValue || required[0] != Math.Floor(required[0]) || !(required[1] >= 0) || required[1] > long.MaxValue)
            return false;
        double perplexity = Get("latent_perplexity", out double p) ? p : double.NaN;
        int Count(string column) => Get(column, out double v) && v >= int.MinValue && v <= int.MaxValue ? (int)v : -1;
        int dead = Count("dead_latents"), active = Count("active_latents");
        row = new EpochMetrics((int)required[0], (long)required[1], required[2], required[3], required[4], required[5],
            required[6], required[7], required[8], required[9], required[10], perplexity, dead, active);
        return true;
    }

    /// <summary>Rewrites the file with only the readable rows of the first <paramref name="epochs"/> epochs
    /// (used by --resume so the file agrees with the checkpoint), atomically.</summary>
    public static void TruncateTo(string path, int epochs, AtomicWriter writer)
    {
        if (!File.Exists(path))
            return;
        var keep = Read(path).Where(r => r.Epoch <= epochs).ToList();
        writer.WriteText(path, keep.Count == 0 ? "" : Header + "\n" + string.Concat(keep.Select(r => Format(r) + "\n")));
    }

    static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
