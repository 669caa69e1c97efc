
namespace CategoricalVae.Runs;

/// <summary>The per-epoch series `compare` ranks and plots (lower is better for all of them).</summary>
public enum CompareMetric
{
    TestLoss,
    TrainLoss,
    TestBce,
    TestKl,
}

public static class CompareMetricExtensions
{
    public static readonly string[] Names = Enum.GetValues<CompareMetric>().Select(m => m.ColumnName()).ToArray();

    public static string ColumnName(this CompareMetric metric) => metric switch
    {
        CompareMetric.TestLoss => "test_loss",
        CompareMetric.TrainLoss => "train_loss",
        CompareMetric.TestBce => "test_bce",
        _ => "test_kl",
    };

    public static double Of(this CompareMetric metric, EpochMetrics row) => metric switch
    {
        CompareMetric.TestLoss => row.TestLoss,
        CompareMetric.TrainLoss => row.TrainLoss,
        CompareMetric.TestBce => row.TestBce,
        _ => row.TestKl,
    };

    public static bool TryParse(string text, out CompareMetric metric)
    {
        foreach (CompareMetric m in Enum.GetValues<CompareMetric>())
            if (m.ColumnName() == text)
            {
                metric = m;
                return true;
            }
        metric = default;
        return false;
    }
}
