using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using TorchSharp;

namespace CategoricalVae.Tests;

/// <summary>The categorical draws tests give a forward pass.</summary>
static class Draws
{
    /// <summary>Gumbel-Softmax samples at τ with noise from a generator seeded <paramref name="seed"/>.</summary>
    public static LatentSampling Relaxed(ulong seed, double tau = 1.0) => new(new GumbelSoftmaxEstimator(), tau, new torch.Generator(seed));
}
