using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Cli;

/// <summary>What Program hands every command: the fault plan (none in normal use), extra training observers, and
/// the MNIST of this process, loaded once and shared by every run in it.</summary>
public sealed class CliServices(IFaultPlan faults, IReadOnlyList<ITrainingObserver> observers)
{
    readonly Dictionary<string, MnistData> _data = [];

    public IFaultPlan Faults => faults;
    public IReadOnlyList<ITrainingObserver> Observers => observers;
    public AtomicWriter Writer { get; } = new(faults);

    public RunLauncher Launcher(ConsoleOutput console) => new(LoadForRun, faults) { Console = console };

    /// <summary>Loads libtorch (one line naming the loader's reason if it cannot) before the first tensor is made.</summary>
    public static void LoadTorch(string traceDirectory, string device) => TorchRuntime.EnsureLoaded(traceDirectory, device == "cuda");

    MnistData LoadForRun(TrainOptions options)
    {
        LoadTorch(options.RunsDir, options.Device);
        return Data(options.DataDir, options.Offline);
    }

    /// <summary>The verified MNIST of <paramref name="dataDir"/>, fetched first if missing (unless offline).</summary>
    public MnistData Data(string dataDir, bool offline)
    {
        string key = Path.GetFullPath(dataDir);
        lock (_data)
        {
            if (!_data.TryGetValue(key, out var data))
            {
                var directory = new MnistDataDirectory(dataDir, MnistDataDirectory.DefaultSources(offline), Console.WriteLine);
                data = _data[key] = MnistData.LoadAsync(directory).GetAwaiter().GetResult();
            }
            return data;
        }
    }
}
