using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// Port of the PyTorch VAE_gumbel: encoder 784-512-256-(latent×categories), a categorical sample, decoder
/// (latent×categories)-256-512-784 with a sigmoid. Field names match the original's state dict. How the code
/// between encoder and decoder is drawn (estimator, τ, noise) is an input of every forward pass, not the model's
/// state, so one model serves training, evaluation and gradient measurements with different draws.
/// </summary>
public sealed class CategoricalVaeModel : nn.Module<Tensor, LatentSampling, VaeForward>
{
    public const int PixelCount = 784;

    readonly Linear fc1, fc2, fc3, fc4, fc5, fc6;

    public CategoricalVaeModel(int latentDim, int categories, bool reluOnLogits = true)
        : base(nameof(CategoricalVaeModel))
    {
        if (latentDim < 1) throw new ArgumentOutOfRangeException(nameof(latentDim));
        if (categories < 2) throw new ArgumentOutOfRangeException(nameof(categories));
        LatentDim = latentDim;
        Categories = categories;
        ReluOnLogits = reluOnLogits;
        int code = latentDim * categories;
        fc1 = nn.Linear(PixelCount, 512);
        fc2 = nn.Linear(512, 256);
        fc3 = nn.Linear(256, code);
        fc4 = nn.Linear(code, 256);
        fc5 = nn.Linear(256, 512);
        fc6 = nn.Linear(512, PixelCount);
        RegisterComponents();
    }

    public int LatentDim { get; }
    public int Categories { get; }

    /// <summary>The source applies ReLU to the logits too (so they are never negative); kept by default.</summary>
    public bool ReluOnLogits { get; }

    /// <summary>fc1 … fc6 in order: encoder 784-512-256-code, decoder code-256-512-784.</summary>
    public IReadOnlyList<Linear> Layers => [fc1, fc2, fc3, fc4, fc5, fc6];

    /// <summary>Logits [B, latent, categories].</summary>
    public Tensor Encode(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(fc2.forward(nn.functional.relu(fc1.forward(x.view(-1, PixelCount)))));
        var logits = fc3.forward(h);
        if (ReluOnLogits)
            logits = nn.functional.relu(logits);
        return logits.view(-1, LatentDim, Categories).MoveToOuterDisposeScope();
    }

    /// <summary>Pixel probabilities [B, 784] from a code [B, latent×categories] (one-hot or relaxed).</summary>
    public Tensor Decode(Tensor z)
    {
        using var scope = NewDisposeScope();
        return nn.functional.sigmoid(DecodeLogits(z)).MoveToOuterDisposeScope();
    }

    /// <summary>Pre-sigmoid pixel logits [B, 784]; likelihoods computed from these stay finite where the
    /// sigmoid saturates to exactly 0 or 1 in float32.</summary>
    public Tensor DecodeLogits(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(fc5.forward(nn.functional.relu(fc4.forward(z))));
        return fc6.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>The forward pass through the autograd graph: the logits, the code <paramref name="sampling"/> draws from
    /// them (S codes per example, in a row, for an estimator that draws several), the reconstruction of every code and
    /// q(y|x) (softmax per latent, one row per example).</summary>
    public override VaeForward forward(Tensor x, LatentSampling sampling)
    {
        using var scope = NewDisposeScope();
        var logits = Encode(x);
        int samples = sampling.Estimator.SamplesPerExample;
        var drawnFrom = samples == 1 ? logits : logits.repeat_interleave(samples, 0);
        var code = sampling.Estimator.Code(drawnFrom, sampling.Temperature, sampling.Noise);
        var reconstruction = Decode(code.view(-1, LatentDim * Categories));
        var posterior = logits.softmax(-1).view(-1, LatentDim * Categories);
        return new VaeForward(reconstruction.MoveToOuterDisposeScope(), posterior.MoveToOuterDisposeScope(),
            drawnFrom.MoveToOuterDisposeScope(), code.MoveToOuterDisposeScope(), samples);
    }

    public static long ParameterCount(int latentDim, int categories)
    {
        long code = (long)latentDim * categories;
        return (PixelCount * 512 + 512) + (512 * 256 + 256) + (256 * code + code)
             + (code * 256 + 256) + (256 * 512 + 512) + (512 * PixelCount + PixelCount);
    }
}
