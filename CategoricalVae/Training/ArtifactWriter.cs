using CategoricalVae.Imaging;
using CategoricalVae.Model;
using CategoricalVae.Runs;
using Serilog;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// The per-epoch pictures and TensorBoard records of a run folder. Each is written on its own: one that fails (a
/// full disk, a code too large to draw) is logged as a warning and never costs the epoch's metrics or checkpoint,
/// which are written before any picture. Every picture has a bounded cost whatever the latent size.
/// </summary>
public sealed class ArtifactWriter
{
    /// <summary>The traversal shows at most this many latents (rows) and categories (columns).</summary>
    public const int MaxTraversalLatents = 32, MaxTraversalCategories = 16;

    /// <summary>Decoder inputs are built and decoded in chunks of at most this many floats.</summary>
    const long MaxCodeFloatsPerChunk = 4 << 20;

    readonly RunDirectory _run;
    readonly CategoricalVaeModel _model;
    readonly ILogger _log;
    readonly TensorBoardLog? _tensorBoard;
    readonly Device _device;

    public ArtifactWriter(RunDirectory run, CategoricalVaeModel model, Device device, ILogger log, TensorBoardLog? tensorBoard)
    {
        (_run, _model, _device, _log, _tensorBoard) = (run, model, device, log, tensorBoard);
    }

    RunLayout Layout => _run.Layout;

    /// <summary>Runs one write; a failure becomes a warning naming the file.</summary>
    void Try(string file, Action write)
    {
        try
        {
            using var scope = NewDisposeScope(); // every tensor a picture makes ends with it
            write();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Warning("Could not write {File}: {Reason}", Path.GetFileName(file), e.Message.Split('\n')[0].Trim());
        }
    }

    /// <summary>reconstruction-train-&lt;epoch&gt;.png: the epoch's first training batch (at most 100), 10 per row.</summary>
    public void WriteTrainReconstruction(int epoch, float[] pixels, int count)
    {
        string file = Layout.TrainReconstruction(epoch);
        Try(file, () => ImageGrid.WritePng(file, pixels, count, cols: 10, _run.Writer));
    }

    /// <summary>reconstruction-test-&lt;epoch&gt;.png: the first test originals above their reconstructions.</summary>
    public void WriteTestComparison(int epoch, Tensor originals, Tensor reconstructions)
    {
        string file = Layout.TestReconstruction(epoch);
        Try(file, () =>
        {
            int n = (int)originals.shape[0];
            using var both = cat([originals, reconstructions], 0);
            ImageGrid.WritePng(file, Pixels(both), 2 * n, cols: n, _run.Writer);
        });
    }

    /// <summary>samples-&lt;epoch&gt;.png: 64 decodes of codes drawn from the uniform prior, 8×8.</summary>
    public void WritePriorSamples(int epoch, Generator generator)
    {
        string file = Layout.PriorSamples(epoch);
        Try(file, () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            _model.eval();
            var categories = randint(_model.Categories, [64, _model.LatentDim], generator: generator, device: _device);
            var images = DecodeInChunks(64, (start, n) =>
                nn.functional.one_hot(categories.narrow(0, start, n), _model.Categories).to(ScalarType.Float32).view(n, -1));
            ImageGrid.WritePng(file, Pixels(images), 64, cols: 8, _run.Writer);
        });
    }

    /// <summary>traversal-&lt;epoch&gt;.png: one test image's code (argmax per latent) with each of the first latents
    /// in turn (rows) swept over its first categories (columns), decoded.</summary>
    public void WriteTraversal(int epoch, Tensor images, int index)
    {
        string file = Layout.Traversal(epoch);
        Try(file, () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            int latents = _model.LatentDim, k = _model.Categories;
            int rows = Math.Min(latents, MaxTraversalLatents), cols = Math.Min(k, MaxTraversalCategories);
            var code = GumbelSoftmax.OneHotOfArgmax(_model.Encode(images[index].view(1, -1).to(_device)))[0];   // [L, K]
            var sweep = eye(cols, k, device: code.device);                                        // [cols, K]: only the swept categories
            var decoded = DecodeInChunks(rows * cols, (start, n) =>
            {
                var codes = code.unsqueeze(0).repeat(n, 1, 1);                                        // [n, L, K]
                for (int i = 0; i < n; i++)
                {
                    int cell = start + i, l = cell / cols, c = cell % cols;
                    codes[i, l] = sweep[c];
                }
                return codes.view(n, -1);
            });
            ImageGrid.WritePng(file, Pixels(decoded), rows * cols, cols: cols, _run.Writer);
        });
    }

    /// <summary>latent-usage-&lt;epoch&gt;.png.</summary>
    public void WriteLatentUsage(int epoch, LatentUsage usage)
    {
        string file = Layout.LatentUsage(epoch);
        Try(file, () => LatentUsagePlot.Write(file, usage, epoch, _run.Writer));
    }

    public void WriteLossPlot(IReadOnlyList<EpochMetrics> history) =>
        Try(Layout.LossPlotFile, () => LossPlot.Write(Layout.LossPlotFile, history, _run.Name, _run.Writer));

    public void WriteTensorBoardScalars(EpochMetrics row)
    {
        if (_tensorBoard != null)
            Try("TensorBoard events", () => _tensorBoard.Epoch(row));
    }

    public void WriteTensorBoardImages(EpochMetrics row)
    {
        if (_tensorBoard == null)
            return;
        Try("TensorBoard events", () =>
        {
            foreach (var (tag, file) in new[] { ("reconstruction/train", Layout.TrainReconstruction(row.Epoch)), ("reconstruction/test", Layout.TestReconstruction(row.Epoch)) })
                if (File.Exists(file))
                    _tensorBoard.Image(tag, file, row.GlobalStep);
        });
    }

    public void WriteBatchLoss(long step, double loss)
    {
        if (_tensorBoard != null)
            Try("TensorBoard events", () => _tensorBoard.BatchLoss(step, loss));
    }

    /// <summary>Decodes <paramref name="count"/> codes built <paramref name="codes"/>(start, n) at a time, so the codes
    /// in memory at once stay bounded for any latent size.</summary>
    Tensor DecodeInChunks(int count, Func<int, int, Tensor> codes)
    {
        long code = (long)_model.LatentDim * _model.Categories;
        int chunk = (int)Math.Clamp(MaxCodeFloatsPerChunk / code, 1, count);
        var parts = new List<Tensor>();
        for (int start = 0; start < count; start += chunk)
        {
            int n = Math.Min(chunk, count - start);
            parts.Add(_model.Decode(codes(start, n)).cpu());
        }
        return parts.Count == 1 ? parts[0] : cat(parts, 0);
    }

    public static float[] Pixels(Tensor images)
    {
        using var scope = NewDisposeScope();
        return images.detach().to(CPU).contiguous().data<float>().ToArray();
    }
}
