using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Model.Fused;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// The per-epoch test pass: the training loss on the test set under no_grad at the epoch's temperature, with the
/// run's hard/soft mode and the epoch's own evaluation noise stream, plus the aggregate posterior's latent usage.
/// </summary>
public sealed class EpochEvaluation
{
    readonly CategoricalVaeModel _model;
    readonly MnistDataset _test;
    readonly int _batchSize;
    readonly Device _device;
    readonly long _seed;
    readonly FusedVae? _fused;

    /// <param name="fused">The run's fused pass, to evaluate with the same arithmetic it trains with; null for the graph.</param>
    public EpochEvaluation(CategoricalVaeModel model, MnistDataset test, int batchSize, Device device, long seed, FusedVae? fused = null)
    {
        (_model, _test, _batchSize, _device, _seed, _fused) = (model, test, batchSize, device, seed, fused);
    }

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

    public const int PictureImages = 8;

    public Result Run(int epoch, double temperature)
    {
        _model.eval();
        var trainingNoise = _model.Sampler.Generator;
        using var noise = Generators.For(_seed, epoch, SeedStreams.Stream.EvalNoise, _device);
        _model.Sampler.Generator = noise;
        _model.Sampler.Temperature = temperature;
        var sums = new LossAccumulator();
        Tensor? originals = null, reconstructions = null;
        using var latents = new LatentStatistics(_model.LatentDim, _model.Categories, _device);
        try
        {
            using var _ = no_grad();
            for (long offset = 0; offset < _test.Count; offset += _batchSize)
            {
                using var scope = NewDisposeScope();
                long length = Math.Min(_batchSize, _test.Count - offset);
                var x = _test.Slice(offset, length).to(_device);
                var (reconstruction, posterior, total, bce, kl) = Forward(x, temperature, noise);
                sums.Add(total, bce, kl, length);
                latents.Add(posterior);
                if (offset == 0)
                {
                    long n = Math.Min(PictureImages, length);
                    originals = x.narrow(0, 0, n).cpu().clone().DetachFromDisposeScope();
                    reconstructions = reconstruction.narrow(0, 0, n).cpu().clone().DetachFromDisposeScope();
                }
            }
        }
        finally
        {
            _model.Sampler.Generator = trainingNoise;
        }
        var usage = latents.Result();
        return new Result(sums.Means, usage, originals!, reconstructions!);
    }

    /// <summary>Reconstruction, posterior and loss terms of a test batch, through the fused pass or the graph.</summary>
    (Tensor Reconstruction, Tensor Posterior, double Total, double Bce, double Kl) Forward(Tensor x, double temperature, Generator noise)
    {
        if (_fused != null)
        {
            var (bce, kl) = _fused.Forward(x, temperature, noise, forTraining: false);
            return (_fused.Reconstruction(), _fused.Posterior(), bce + kl, bce, kl);
        }
        var (reconstruction, posterior) = _model.forward(x);
        using var loss = VaeLoss.Compute(reconstruction, x, posterior, _model.Categories);
        return (reconstruction, posterior, loss.Total.ToDouble(), loss.Bce.ToDouble(), loss.Kl.ToDouble());
    }
}
