using CategoricalVae.Common;
using CategoricalVae.Runs;

namespace CategoricalVae.Imaging;

/// <summary>loss.png: train and test loss per epoch so far.</summary>
public static class LossPlot
{
    public const int Width = 800, Height = 500;

    public static void Write(string path, IReadOnlyList<EpochMetrics> rows, string title, AtomicWriter writer)
    {
        double[] epochs = rows.Select(r => (double)r.Epoch).ToArray();
        EpochPlot.Write(path, title, "loss per example (BCE + KL, nats)",
        [
            new EpochPlot.Series("train loss", epochs, rows.Select(r => r.TrainLoss).ToArray()),
            new EpochPlot.Series("test loss", epochs, rows.Select(r => r.TestLoss).ToArray()),
        ], Width, Height, writer);
    }
}
