using Serilog;
using Serilog.Events;

namespace CategoricalVae.Training;

/// <summary>Serilog to the console and to the run's train.log. Per-batch lines (property BatchLine) stay
/// off the console while a progress bar is showing.</summary>
public static class TrainLogging
{
    public static Serilog.Core.Logger Create(string logFile, bool progressBarOnConsole)
    {
        const string template = "{Timestamp:yyyy-MM-dd HH:mm:ss} [{Level:u3}] {Message:lj}{NewLine}{Exception}";
        return new LoggerConfiguration()
            .MinimumLevel.Debug()
            .WriteTo.Logger(console => console
                .MinimumLevel.Information()
                .Filter.ByExcluding(e => progressBarOnConsole && e.Properties.ContainsKey("BatchLine"))
                .WriteTo.Console(outputTemplate: "{Message:lj}{NewLine}", restrictedToMinimumLevel: LogEventLevel.Information))
            .WriteTo.File(logFile, outputTemplate: template, flushToDiskInterval: TimeSpan.FromSeconds(2))
            .CreateLogger();
    }
}
