using TorchSharp.Modules;

namespace CategoricalVae.Model;

/// <summary>Adam's update of the model's parameters from their .grad (<see cref="Optimizers.Adam"/>).</summary>
public interface IOptimizer : IDisposable
{
    /// <summary>"the fused Adam" or "TorchSharp's Adam".</summary>
    string Description { get; }

    /// <summary>The TorchSharp optimizer holding the moments: what checkpoints save and load, in TorchSharp's format
    /// whichever optimizer wrote them.</summary>
    OptimizerHelper State { get; }

    /// <summary>One update from the parameters' current gradients.</summary>
    void Step();
}
