using CategoricalVae.Model.Estimators;
using TorchSharp;

namespace CategoricalVae.Model;

/// <summary>How one pass draws the categorical code: the gradient estimator, the temperature τ and the generator the
/// Gumbel noise comes from. Given to every pass explicitly; the model itself holds none of them.</summary>
public sealed record LatentSampling(IGradientEstimator Estimator, double Temperature, torch.Generator Noise);
