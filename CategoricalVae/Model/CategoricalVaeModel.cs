using CategoricalVae.Model.Estimators;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CategoricalVae.Model;

/// <summary>
/// Port of the PyTorch VAE_gumbel: encoder 784-512-256-(latent×categories), Gumbel-Softmax sample,
/// decoder (latent×categories)-256-512-784 with a sigmoid. Field names match the original's state dict.
/// Forward returns the reconstruction [B, 784] and q(y|x) [B, latent×categories] (softmax per latent); the
/// code between encoder and decoder comes from <see cref="Estimator"/>.
/// </summary>
public sealed class CategoricalVaeModel : nn.Module<Tensor, (Tensor Reconstruction, Tensor Posterior)>
{
    public const int PixelCount = 784;

    readonly Linear fc1, fc2, fc3, fc4, fc5, fc6;
    readonly GumbelSoftmax sampler;

    public CategoricalVaeModel(int latentDim, int categories, torch.Generator noise, bool reluOnLogits = true)
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
        sampler = new GumbelSoftmax(noise);
        RegisterComponents();
    }

    public int LatentDim { get; }
    public int Categories { get; }

    /// <summary>The source applies ReLU to the logits too (so they are never negative); kept by default.</summary>
    public bool ReluOnLogits { get; }

    /// <summary>fc1 … fc6 in order: encoder 784-512-256-code, decoder code-256-512-784.</summary>
    public IReadOnlyList<Linear> Layers => [fc1, fc2, fc3, fc4, fc5, fc6];

    /// <summary>Noise and temperature of the categorical sample.</summary>
    public GumbelSoftmax Sampler => sampler;

    /// <summary>How the code is drawn and how the encoder's gradient gets through it (default: Gumbel-Softmax).</summary>
    public IGradientEstimator Estimator { get; set; } = new GumbelSoftmaxEstimator();

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

    public override (Tensor Reconstruction, Tensor Posterior) forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var pass = Pass(x);
        return (pass.Reconstruction.MoveToOuterDisposeScope(), pass.Posterior.MoveToOuterDisposeScope());
    }

    /// <summary>The forward pass with the tensors a score-function loss also needs (logits and code).</summary>
    public VaePass Pass(Tensor x)
    {
        using var scope = NewDisposeScope();
        var logits = Encode(x);
        var code = Estimator.Code(logits, sampler);
        var reconstruction = Decode(code.view(-1, LatentDim * Categories));
        var posterior = logits.softmax(-1).view(-1, LatentDim * Categories);
        return new VaePass(reconstruction.MoveToOuterDisposeScope(), posterior.MoveToOuterDisposeScope(),
            logits.MoveToOuterDisposeScope(), code.MoveToOuterDisposeScope());
    }

    public static long ParameterCount(int latentDim, int categories)
    {
        long code = (long)latentDim * categories;
        return (PixelCount * 512 + 512) + (512 * 256 + 256) + (256 * code + code)
             + (code * 256 + 256) + (256 * 512 + 512) + (512 * PixelCount + PixelCount);
    }
}
