using System.Buffers.Binary;
using CategoricalVae.Runs;
using Google.Protobuf;
using TorchSharp;

namespace CategoricalVae.Training;

/// <summary>
/// TensorBoard event files in the run folder: per-epoch scalars, per-interval batch loss and the reconstruction
/// pictures, every one at the global step (so batch and epoch series share an x-axis), with Unix wall times.
/// The records are TorchSharp's TensorBoard protobuf messages; the file is written here rather than by
/// TorchSharp's SummaryWriter, which stamps the first event with .NET ticks instead of Unix seconds (TensorBoard
/// then misorders runs by start time) and the others with whole seconds.
/// </summary>
public sealed class TensorBoardLog
{
    readonly string _file;

    public TensorBoardLog(string folder, DateTimeOffset? now = null)
    {
        double start = UnixSeconds(now ?? DateTimeOffset.UtcNow);
        // TensorBoard's own naming: events.out.tfevents.<unix seconds>.<host>.<pid>.<writer number>.
        _file = Path.Combine(folder, $"{RunLayout.TensorBoardPrefix}{(long)start}.{Environment.MachineName}.{Environment.ProcessId}.{Interlocked.Increment(ref _writers)}");
        Write(new Tensorboard.Event { WallTime = start, FileVersion = "brain.Event:2" });
    }

    static int _writers;

    public string File => _file;

    public void BatchLoss(long step, double loss) => Scalar("batch/loss", loss, step);

    public void Epoch(EpochMetrics m)
    {
        long step = m.GlobalStep;
        Scalar("loss/train", m.TrainLoss, step);
        Scalar("loss/test", m.TestLoss, step);
        Scalar("bce/train", m.TrainBce, step);
        Scalar("bce/test", m.TestBce, step);
        Scalar("kl/train", m.TrainKl, step);
        Scalar("kl/test", m.TestKl, step);
        Scalar("temperature", m.Temperature, step);
        Scalar("epoch", m.Epoch, step);
        Scalar("latent/perplexity", m.LatentPerplexity, step);
        Scalar("latent/dead", m.DeadLatents, step);
        Scalar("latent/active", m.ActiveLatents, step);
    }

    public void Scalar(string tag, double value, long step)
    {
        var summary = new Tensorboard.Summary();
        summary.Value.Add(new Tensorboard.Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        Write(new Tensorboard.Event { WallTime = UnixSeconds(DateTimeOffset.UtcNow), Step = step, Summary = summary });
    }

    public void Image(string tag, string pngPath, long step) =>
        Write(new Tensorboard.Event { WallTime = UnixSeconds(DateTimeOffset.UtcNow), Step = step, Summary = torch.utils.tensorboard.Summary.image(tag, pngPath) });

    /// <summary>TFRecord's masked CRC-32C (TorchSharp computes the CRC natively).</summary>
    static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = TorchSharp.Utils.CRC32C.process(data.ToArray());
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    static double UnixSeconds(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;

    /// <summary>One TFRecord: length, masked CRC-32C of the length, data, masked CRC-32C of the data; appended and
    /// flushed, so a reader sees whole records up to the last one written.</summary>
    void Write(Tensorboard.Event record)
    {
        byte[] data = record.ToByteArray();
        Span<byte> header = stackalloc byte[12], footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.LongLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Masked(header[..8]));
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Masked(data));
        using var stream = new FileStream(_file, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(header);
        stream.Write(data);
        stream.Write(footer);
    }
}
