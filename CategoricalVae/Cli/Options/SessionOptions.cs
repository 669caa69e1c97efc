using System.CommandLine;
using CategoricalVae.Runs;

namespace CategoricalVae.Cli.Options;

/// <summary>Options every command that runs the model shares (train, evaluate, bench, sweep, gradvar): declared once
/// here, with their defaults from <see cref="TrainOptions.Defaults"/>.</summary>
public static class SessionOptions
{
    public static Option<string> Device() =>
        With(OptionValues.Choice("--device", "auto (CUDA if available), cpu or cuda", TrainOptions.DeviceNames), TrainOptions.Defaults.Device);

    public static Option<int> Threads() =>
        With(OptionValues.Int("--threads", $"CPU threads for libtorch (1 to {TrainOptions.MaxThreads}; the default is the number of cores)"), Environment.ProcessorCount);

    public static Option<string> DataDir() =>
        With(OptionValues.Text("--data-dir", "Folder with the MNIST IDX files (fetched if missing)", "folder"), TrainOptions.Defaults.DataDir);

    public static Option<bool> Offline() => OptionValues.Switch("--offline", "Never fetch MNIST; use only files on disk");

    /// <summary>The first problem with session values shared outside training, or null.</summary>
    public static string? Problem(int threads, string device, string dataDir) =>
        (TrainOptions.Defaults with { Threads = threads, Device = device, DataDir = dataDir }).Problem();

    static Option<T> With<T>(Option<T> option, T value)
    {
        option.DefaultValueFactory = _ => value;
        return option;
    }
}
