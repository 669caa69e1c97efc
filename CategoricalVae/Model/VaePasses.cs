using CategoricalVae.Model.Estimators;
using CategoricalVae.Model.Fused;
using CategoricalVae.Model.Graph;

namespace CategoricalVae.Model;

/// <summary>
/// Decides, once, how the model is computed: the fused CPU pass wherever it applies (a float32 CPU model and an
/// estimator with a fused form, unless the autograd graph is asked for), else TorchSharp's autograd graph, whose
/// description then says why.
/// </summary>
public static class VaePasses
{
    /// <summary>The pass of <paramref name="estimator"/> on <paramref name="model"/> for batches of at most
    /// <paramref name="maxRows"/> rows; <paramref name="autograd"/> asks for the graph. bfloat16 products are the fused
    /// pass's: the graph computes in float32, so <paramref name="precision"/> bf16 with a pass that falls back to the
    /// graph is an error (the options' rules refuse such a run before it starts).</summary>
    public static IVaePass For(CategoricalVaeModel model, IGradientEstimator estimator, int maxRows, bool autograd, Precision precision = Precision.Fp32)
    {
        if (GraphReason(model, estimator, autograd) is not { } why)
            return new FusedPass(model, estimator, maxRows, precision);
        if (precision != Precision.Fp32)
            throw new ArgumentException($"bfloat16 products need the fused CPU pass, and this one goes through the autograd graph ({why})", nameof(precision));
        return new GraphPass(model, estimator, $"TorchSharp's autograd graph ({why})");
    }

    /// <summary>The discrete bounds of <paramref name="model"/>. They do not depend on how the model was trained, so the
    /// fused loops serve every float32 CPU model unless <paramref name="autograd"/> asks for the graph.</summary>
    public static IDiscreteBound Bounds(CategoricalVaeModel model, bool autograd = false) =>
        autograd || !FusedPass.Supports(model)
            ? new GraphDiscreteBound(model, $"TorchSharp's autograd graph ({(autograd ? "as asked" : "not a float32 CPU model")})")
            : new FusedDiscreteBound(model);

    /// <summary>Why the pass of <paramref name="estimator"/> goes through the graph, or null when it is fused.</summary>
    public static string? GraphReason(CategoricalVaeModel model, IGradientEstimator estimator, bool autograd) =>
        autograd ? "as the run asks"
        : estimator.Fused is null ? $"{GradientEstimators.Name(estimator.Kind)} has no fused form"
        : !FusedPass.Supports(model) ? "not a float32 CPU model"
        : null;
}
