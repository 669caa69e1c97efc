using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Cli;

/// <summary>What Program hands every command: the fault plan and the pass decorator (none in normal use), extra
/// training observers, and the MNIST of this process, loaded once and shared by every run in it.</summary>
/// <param name="dataSource">Gives the MNIST of a data folder (offline or not); null: fetch and verify the real files.</param>
/// <param name="decorate">Wraps every run's pass (the guarantee tests' NaN losses and gradients); null for none.</param>
/// <param name="processor">What the processor offers bfloat16 products; this one's by default.</param>
public sealed class CliServices(IFaultPlan faults, IReadOnlyList<ITrainingObserver> observers, Func<string, bool, MnistData>? dataSource = null,
    PassDecorator? decorate = null, ProcessorFeatures? processor = null)
{
    readonly Dictionary<string, MnistData> _data = [];

    public IFaultPlan Faults => faults;
    public IReadOnlyList<ITrainingObserver> Observers => observers;
    public AtomicWriter Writer { get; } = new(faults);

    public RunLauncher Launcher(ConsoleOutput console) => new(LoadForRun, faults, decorate, processor) { Console = console };

    /// <summary>A launcher that trains on <paramref name="data"/> whatever the options' data folder.</summary>
    public RunLauncher Launcher(MnistData data, ConsoleOutput console) => new(_ => data, faults, decorate, processor) { Console = console };

    /// <summary>Loads libtorch (one line naming the loader's reason if it cannot) before the first tensor is made. The
    /// loader's full trace goes to the temp folder: never into a run folder, nor a runs folder it would create.</summary>
    public static void LoadTorch(string device) => TorchRuntime.EnsureLoaded(Path.GetTempPath(), device == "cuda");

    MnistData LoadForRun(TrainOptions options)
    {
        LoadTorch(options.Device);
        return Data(options.DataDir, options.Offline);
    }

    /// <summary>The verified MNIST of <paramref name="dataDir"/>, fetched first if missing (unless offline).</summary>
    public MnistData Data(string dataDir, bool offline)
    {
        string key = Path.GetFullPath(dataDir);
        lock (_data)
        {
            if (!_data.TryGetValue(key, out var data))
                data = _data[key] = dataSource?.Invoke(dataDir, offline) ?? Fetch(dataDir, offline);
            return data;
        }
    }

    static MnistData Fetch(string dataDir, bool offline)
    {
        var directory = new MnistDataDirectory(dataDir, MnistDataDirectory.DefaultSources(offline), Console.WriteLine);
        return MnistData.LoadAsync(directory).GetAwaiter().GetResult();
    }
}
