using TorchSharp;
using TorchSharp.Modules;

namespace CategoricalVae.Model;

/// <summary>TorchSharp's own Adam step: the reference the fused Adam is tested against, and the optimizer of models
/// that are not float32 on the CPU.</summary>
internal sealed class StockAdam(IEnumerable<Parameter> parameters, double lr) : IOptimizer
{
    readonly Adam _adam = torch.optim.Adam(parameters, lr);

    public string Description => "TorchSharp's Adam";
    public OptimizerHelper State => _adam;
    public void Step() => _adam.step();
    public void Dispose() => _adam.Dispose();
}
