using CategoricalVae.Model;
using CategoricalVae.Runs;

namespace CategoricalVae.Training;

/// <summary>
/// A rough upper estimate of a run's memory, so a model that cannot fit is refused before anything is written
/// rather than failing hours in: weights, gradients, Adam's two moments and its scratch copy (five float arrays
/// per parameter), a step's activations and their gradients, the data, and the checkpoint, which is assembled in
/// memory (weights and moments, twice: the serialised blocks and the file image).
/// </summary>
public static class MemoryEstimate
{
    const double Overhead = 400e6; // libtorch, the runtime and the plotting libraries

    public static double Bytes(TrainOptions o, int trainExamples, int testExamples)
    {
        double parameters = CategoricalVaeModel.ParameterCount(o.LatentDim, o.Categories);
        double batch = Math.Min(o.BatchSize, Math.Max(trainExamples, testExamples));
        // Per example: the code-sized tensors of the latent block (logits, noise, softmaxes, sample, posterior, KL
        // terms and their gradients) and the layers' activations with their gradients.
        double perExample = 16.0 * o.CodeSize + 8.0 * (784 + 512 + 256 + 256 + 512 + 784);
        double data = 2.0 * (trainExamples + testExamples) * 784;
        double checkpoint = 2 * 3 * 4 * parameters;
        return 4 * (5 * parameters + batch * perExample) + data + checkpoint + Overhead;
    }

    /// <summary>Memory the process may use: physical memory or the container's limit.</summary>
    public static double Available() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>One line refusing the run when it will not fit, else null.</summary>
    public static string? Problem(TrainOptions o, int trainExamples, int testExamples)
    {
        double need = Bytes(o, trainExamples, testExamples), have = Available();
        if (need <= 0.9 * have)
            return null;
        return $"--latent-dim {o.LatentDim} × --categories {o.Categories} with --batch-size {o.BatchSize} needs about {need / 1e9:F1} GB " +
               $"({CategoricalVaeModel.ParameterCount(o.LatentDim, o.Categories) / 1e6:F0} M parameters with Adam's state, plus a batch's activations), " +
               $"more than the {have / 1e9:F1} GB available; choose a smaller code or batch.";
    }
}
