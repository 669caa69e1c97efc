using Serilog;
using Serilog.Events;

namespace CategoricalVae.Training;

/// <summary>Serilog to the run's train.log and, as chosen, the console. Per-batch lines carry the property
/// BatchLine, so they stay off a console that shows a progress bar.</summary>
public static class TrainLogging
{
    public static Serilog.Core.Logger Create(string logFile, ConsoleOutput console)
    {
        const string template = "{Timestamp:yyyy-MM-dd HH:mm:ss} [{Level:u3}] {Message:lj}{NewLine}{Exception}";
        var config = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .WriteTo.File(logFile, outputTemplate: template, flushToDiskInterval: TimeSpan.FromSeconds(2));
        if (console != ConsoleOutput.None)
            config = config.WriteTo.Logger(c => c
                .MinimumLevel.Information()
                .Filter.ByExcluding(e => console == ConsoleOutput.ProgressBar && e.Properties.ContainsKey("BatchLine"))
                .WriteTo.Console(outputTemplate: "{Message:lj}{NewLine}", restrictedToMinimumLevel: LogEventLevel.Information));
        return config.CreateLogger();
    }
}
