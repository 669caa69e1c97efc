using CategoricalVae.Imaging;
using CategoricalVae.Model;
using CategoricalVae.Runs;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>The per-epoch pictures of a run folder (file names are documented in the README).</summary>
public sealed class RunArtifacts
{
    readonly RunDirectory _run;
    readonly CategoricalVaeModel _model;

    public RunArtifacts(RunDirectory run, CategoricalVaeModel model)
    {
        _run = run;
        _model = model;
    }

    /// <summary>reconstruction-train-&lt;epoch&gt;.png: the epoch's first training batch, 10 per row.</summary>
    public void WriteTrainReconstruction(int epoch, Tensor reconstruction)
    {
        int n = (int)Math.Min(100, reconstruction.shape[0]);
        ImageGrid.WritePng(_run.File($"reconstruction-train-{epoch}.png"), Pixels(reconstruction, n), n, cols: 10);
    }

    /// <summary>reconstruction-test-&lt;epoch&gt;.png: 8 test originals above their 8 reconstructions.</summary>
    public void WriteTestComparison(int epoch, Tensor originals, Tensor reconstruction)
    {
        int n = (int)Math.Min(8, originals.shape[0]);
        using var both = cat([originals.narrow(0, 0, n), reconstruction.narrow(0, 0, n)], 0);
        ImageGrid.WritePng(_run.File($"reconstruction-test-{epoch}.png"), Pixels(both, 2 * n), 2 * n, cols: n);
    }

    /// <summary>samples-&lt;epoch&gt;.png: 64 decodes of codes drawn from the uniform prior, 8×8.</summary>
    public void WritePriorSamples(int epoch, Generator generator, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _model.eval();
        var categories = randint(_model.Categories, [64, _model.LatentDim], generator: generator, device: device);
        var code = nn.functional.one_hot(categories, _model.Categories).to(ScalarType.Float32).view(64, -1);
        var images = _model.Decode(code);
        ImageGrid.WritePng(_run.File($"samples-{epoch}.png"), Pixels(images, 64), 64, cols: 8);
    }

    /// <summary>traversal-&lt;epoch&gt;.png: one test image's code (argmax per latent) with each latent in turn
    /// (rows) swept over its categories (columns), decoded.</summary>
    public void WriteTraversal(int epoch, Tensor image)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int latents = _model.LatentDim, k = _model.Categories;
        var code = GumbelSoftmax.OneHotOfArgmax(_model.Encode(image.view(1, -1)))[0];   // [L, K]
        var codes = code.unsqueeze(0).repeat(latents * k, 1, 1);                         // [L·K, L, K]
        var sweep = eye(k, device: image.device);
        for (int l = 0; l < latents; l++)
            codes[TensorIndex.Slice(l * k, (l + 1) * k), l] = sweep;
        var images = _model.Decode(codes.view(latents * k, -1));
        ImageGrid.WritePng(_run.File($"traversal-{epoch}.png"), Pixels(images, latents * k), latents * k, cols: k);
    }

    /// <summary>latent-usage-&lt;epoch&gt;.png.</summary>
    public void WriteLatentUsage(int epoch, LatentUsage usage) =>
        LatentUsagePlot.Write(_run.File($"latent-usage-{epoch}.png"), usage, epoch);

    public void WriteLossPlot(IReadOnlyList<EpochMetrics> history, string title) =>
        LossPlot.Write(_run.LossPlotFile, history, title);

    static float[] Pixels(Tensor images, int n)
    {
        using var cpu = images.narrow(0, 0, n).detach().to(CPU).contiguous();
        return cpu.data<float>().ToArray();
    }
}
