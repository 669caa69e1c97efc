using CategoricalVae.Model.Fused;
using TorchSharp.Modules;

namespace CategoricalVae.Model;

/// <summary>Makes the optimizer of a run: Adam with TorchSharp's update rule, as one fused pass over the parameters'
/// memory where they are float32 on the CPU, else (or when <c>stock</c> asks for it) TorchSharp's own step.</summary>
public static class Optimizers
{
    public static IOptimizer Adam(IEnumerable<Parameter> parameters, double lr, bool stock = false)
    {
        var list = parameters.ToList();
        return !stock && list.All(FusedAdam.IsPlainCpuFloat) ? new FusedAdam(list, lr) : new StockAdam(list, lr);
    }
}
