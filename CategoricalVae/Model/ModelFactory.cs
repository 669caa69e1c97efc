using TorchSharp;

namespace CategoricalVae.Model;

/// <summary>Builds a run's model with weights drawn from its seed.</summary>
public static class ModelFactory
{
    // nn.Linear draws its initial weights from libtorch's one global generator (TorchSharp's init functions take
    // no generator), so two runs building models at once in one process would interleave their draws.
    static readonly object GlobalGenerator = new();

    public static CategoricalVaeModel Create(int latentDim, int categories, bool reluOnLogits, long seed)
    {
        lock (GlobalGenerator)
        {
            using (torch.manual_seed(seed))
                return new CategoricalVaeModel(latentDim, categories, reluOnLogits);
        }
    }
}
