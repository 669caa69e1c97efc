using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// The per-epoch test pass: the training loss on the test set under no_grad at the epoch's temperature, through the
/// run's own pass and estimator with the epoch's own evaluation noise stream, plus the aggregate posterior's latent
/// usage (the relaxed objective of `metrics.csv`, not the discrete bounds of `evaluate`).
/// </summary>
public sealed class EpochTestPass(IVaePass pass, MnistDataset test, int batchSize, Device device, long seed)
{
    /// <summary>Means per example, latent usage, and the first test batch's first images with their
    /// reconstructions (CPU, [n, 784], owned by the caller) for the pictures.</summary>
    public sealed record Result((double Loss, double Bce, double Kl) Means, LatentUsage Usage, Tensor Originals, Tensor Reconstructions) : IDisposable
    {
        public void Dispose()
        {
            Originals.Dispose();
            Reconstructions.Dispose();
        }
    }

    /// <summary>Test images (with their reconstructions) kept for the epoch's pictures.</summary>
    public const int TestPictureImages = 8;

    public Result Run(int epoch, double temperature)
    {
        var model = pass.Model;
        model.eval();
        using var noise = Generators.For(seed, epoch, SeedStreams.Stream.EvalNoise, device);
        var sums = new LossAccumulator();
        Tensor? originals = null, reconstructions = null;
        using var latents = new LatentStatistics(model.LatentDim, model.Categories, device);
        using var _ = no_grad();
        for (long offset = 0; offset < test.Count; offset += batchSize)
        {
            using var scope = NewDisposeScope();
            long length = Math.Min(batchSize, test.Count - offset);
            var x = test.Slice(offset, length).to(device);
            var loss = pass.Forward(x, temperature, noise, forTraining: false);
            sums.Add(loss.Total, loss.Bce, loss.Kl, length);
            latents.Add(pass.Posterior);
            if (offset == 0)
            {
                long n = Math.Min(TestPictureImages, length);
                originals = x.narrow(0, 0, n).cpu().clone().DetachFromDisposeScope();
                reconstructions = pass.Reconstruction.narrow(0, 0, n).cpu().clone().DetachFromDisposeScope();
            }
        }
        return new Result(sums.Means, latents.Result(), originals!, reconstructions!);
    }
}
