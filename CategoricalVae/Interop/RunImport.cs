using CategoricalVae.Common;
using CategoricalVae.Model;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using TorchSharp;

namespace CategoricalVae.Interop;

/// <summary>
/// Makes an ordinary run folder around imported weights: config.json and a checkpoint of epoch 0 holding the weights
/// and a fresh Adam, so evaluate, gradvar, compare and --resume treat it like any run. The folder is claimed only
/// once the weights have passed every check, and removed again if a write fails.
/// </summary>
public static class RunImport
{
    /// <summary>The run's folder, written whole.</summary>
    public static string Create(TrainOptions options, CategoricalVaeModel model, ImportSource source, AtomicWriter writer)
    {
        options = options.Normalized();
        using var optimizer = Optimizers.Adam(model.parameters(), options.LearningRate, stock: options.StockAdam);
        var run = RunDirectory.Create(options.RunsDir, options.Mode, options.Name, DateTime.Now, writer);
        string folder = run.Path;
        try
        {
            var state = new CheckpointState
            {
                LatentDim = options.LatentDim, Categories = options.Categories, Hard = options.Hard, Estimator = options.Estimator,
                Temperature = options.Temperature, WrittenUtc = DateTime.UtcNow,
            };
            Checkpoint.Save(run.Layout.CheckpointFile, state, model, optimizer.State, run.Writer);
            var config = new RunConfig
            {
                Options = options,
                Device = "cpu",
                Threads = torch.get_num_threads(),
                TorchSharpVersion = TorchRuntime.TorchSharpVersion,
                LibTorchVersion = TorchRuntime.LibTorchVersion,
                Machine = Environment.MachineName,
                GitCommit = RunConfig.CurrentGitCommit(),
                StartTimeUtc = DateTime.UtcNow,
                OpenMp = new Dictionary<string, string>(OpenMpSpin.Settings),
                Imported = source,
            };
            config.Save(run.Layout.ConfigFile, run.Writer);
            run.Dispose();
            return folder;
        }
        catch
        {
            run.Dispose();
            try { Directory.Delete(folder, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }
}
