using CategoricalVae.Training;
using Spectre.Console;

namespace CategoricalVae.Cli;

/// <summary>In a terminal, each epoch's batches show as a live progress bar with the current loss.</summary>
public sealed class ProgressBarObserver : ITrainingObserver
{
    ProgressTask? _task;

    /// <summary>True when stdout is an interactive terminal (not redirected to a file or a pipe).</summary>
    public static bool Available => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public void RunEpoch(int epoch, Action train)
    {
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                _task = ctx.AddTask($"Epoch {epoch}");
                try { train(); }
                finally { _task = null; }
            });
    }

    public void BatchDone(BatchReport batch)
    {
        if (_task is not { } task)
            return;
        task.MaxValue = batch.Batches;
        task.Value = batch.Batch;
        task.Description = $"Epoch {batch.Epoch} loss {batch.Loss:F2}";
    }
}
