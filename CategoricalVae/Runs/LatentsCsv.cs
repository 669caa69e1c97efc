using System.Globalization;
using CategoricalVae.Common;
using CategoricalVae.Model;

namespace CategoricalVae.Runs;

/// <summary>
/// latents.csv: per epoch and latent variable, on the test set, the mean KL to the uniform prior, the activity
/// Σ_k Var_x q(z = k | x) and the aggregate posterior's perplexity (<see cref="LatentUsage"/>). Written like
/// metrics.csv, before the epoch's checkpoint; rows past the checkpoint are dropped on resume.
/// </summary>
public static class LatentsCsv
{
    public const string Header = "epoch,latent,kl,activity,perplexity";

    public sealed record Row(int Epoch, int Latent, double Kl, double Activity, double Perplexity);

    public static void Append(string path, int epoch, LatentUsage usage, AtomicWriter writer)
    {
        var text = new System.Text.StringBuilder(File.Exists(path) && new FileInfo(path).Length > 0 ? File.ReadAllText(path) : Header + "\n");
        for (int l = 0; l < usage.LatentCount; l++)
            text.Append(Format(new Row(epoch, l, usage.Kl[l], usage.Activity[l], usage.Perplexities[l]))).Append('\n');
        writer.WriteText(path, text.ToString());
    }

    /// <summary>The readable rows; unreadable lines are skipped (this file only explains metrics.csv).</summary>
    public static List<Row> Read(string path)
    {
        var rows = new List<Row>();
        if (!File.Exists(path))
            return rows;
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            string[] f = line.Split(',');
            if (f.Length == 5 && int.TryParse(f[0], CultureInfo.InvariantCulture, out int epoch) && int.TryParse(f[1], CultureInfo.InvariantCulture, out int latent)
                && double.TryParse(f[2], CultureInfo.InvariantCulture, out double kl) && double.TryParse(f[3], CultureInfo.InvariantCulture, out double activity)
                && double.TryParse(f[4], CultureInfo.InvariantCulture, out double perplexity))
                rows.Add(new Row(epoch, latent, kl, activity, perplexity));
        }
        return rows;
    }

    public static void TruncateTo(string path, int epochs, AtomicWriter writer)
    {
        if (!File.Exists(path))
            return;
        var keep = Read(path).Where(r => r.Epoch <= epochs);
        writer.WriteText(path, Header + "\n" + string.Concat(keep.Select(r => Format(r) + "\n")));
    }

    static string Format(Row r) => string.Join(",",
        r.Epoch.ToString(CultureInfo.InvariantCulture), r.Latent.ToString(CultureInfo.InvariantCulture),
        r.Kl.ToString("R", CultureInfo.InvariantCulture), r.Activity.ToString("R", CultureInfo.InvariantCulture),
        r.Perplexity.ToString("R", CultureInfo.InvariantCulture));
}
