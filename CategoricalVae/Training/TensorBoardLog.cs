using CategoricalVae.Runs;
using TorchSharp;

namespace CategoricalVae.Training;

/// <summary>
/// TensorBoard event files in the run folder (TorchSharp's SummaryWriter): per-epoch scalars, per-interval
/// batch loss and the reconstruction pictures, so `tensorboard --logdir runs` overlays all runs.
/// </summary>
public sealed class TensorBoardLog
{
    readonly TorchSharp.Modules.SummaryWriter _writer;

    public TensorBoardLog(RunDirectory run) => _writer = torch.utils.tensorboard.SummaryWriter(run.Path);

    public void BatchLoss(long step, double loss) => _writer.add_scalar("batch/loss", (float)loss, (int)step);

    public void Epoch(EpochMetrics m)
    {
        int step = m.Epoch;
        _writer.add_scalar("loss/train", (float)m.TrainLoss, step);
        _writer.add_scalar("loss/test", (float)m.TestLoss, step);
        _writer.add_scalar("bce/train", (float)m.TrainBce, step);
        _writer.add_scalar("bce/test", (float)m.TestBce, step);
        _writer.add_scalar("kl/train", (float)m.TrainKl, step);
        _writer.add_scalar("kl/test", (float)m.TestKl, step);
        _writer.add_scalar("temperature", (float)m.Temperature, step);
        _writer.add_scalar("latent/perplexity", (float)m.LatentPerplexity, step);
        _writer.add_scalar("latent/dead", m.DeadLatents, step);
    }

    public void Image(string tag, string pngPath, int epoch) => _writer.add_img(tag, pngPath, epoch);
}
