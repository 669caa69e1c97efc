using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CategoricalVae.Benchmarks;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>
/// `bench`: in one process, the matrix-product floor for the model's shapes, then real training epochs of the
/// actual model, loss and optimizer through <see cref="RunLauncher"/>, an evaluation pass and the per-epoch
/// artifacts. Warm-up excluded, medians of repeats; prints a table and optionally writes JSON.
/// </summary>
public static class BenchCommand
{
    const int MaxSteps = 2000, MaxRepeats = 1000, TestImages = 10_000;

    public static Command Create(CliServices services)
    {
        var steps = OptionValues.Int("--steps", $"Training steps per repeat (1 to {MaxSteps})");
        steps.DefaultValueFactory = _ => 600;
        var repeats = OptionValues.Int("--repeats", "Timed repeats (after one warm-up epoch); medians are reported");
        repeats.DefaultValueFactory = _ => 3;
        var threads = SessionOptions.Threads();
        var evalSize = OptionValues.Int("--eval-size", $"Images in the evaluation pass (1 to {TestImages})");
        evalSize.DefaultValueFactory = _ => TestImages;
        var hard = OptionValues.Switch("--hard", "Time straight-through hard samples");
        var dataDir = SessionOptions.DataDir();
        dataDir.Description = "Use cached MNIST from here if present (never fetched); else synthetic images";
        var json = OptionValues.OptionalText("--json", "Also write the results as JSON to this file", "file");
        var pytorch = OptionValues.Switch("--pytorch", $"Also time the original PyTorch script ({PytorchReference.ScriptPath}) at 1 and {Environment.ProcessorCount} threads");
        var python = OptionValues.Text("--python", "Interpreter that has PyTorch, for --pytorch", "file");
        python.DefaultValueFactory = _ => PytorchReference.DefaultPython;
        var command = new Command("bench", "Measure training speed against the matrix-multiply floor, evaluation, artifacts, start-up and memory")
        {
            steps, repeats, threads, evalSize, hard, dataDir, json, pytorch, python,
        };
        command.SetAction(parse => Run(parse.GetValue(steps), parse.GetValue(repeats), parse.GetValue(threads), parse.GetValue(evalSize),
            parse.GetValue(hard), parse.GetValue(dataDir)!, parse.GetValue(json), parse.GetValue(pytorch) ? parse.GetValue(python) : null, services));
        return command;
    }

    static int Run(int steps, int repeats, int threads, int evalSize, bool hard, string dataDir, string? jsonPath, string? python, CliServices services)
    {
        // Listening from the first moment: a stop during the checks or the timing ends with 130 and writes nothing.
        using var stop = StopSignal.ListenToConsole();
        var json = jsonPath == null ? null : OutputPath.Check("--json", jsonPath);
        string? script = null;
        // Start-up is the app's own: the seconds spent here asking Python to import torch are not counted.
        var pytorchCheck = new Stopwatch();
        if (python != null)
        {
            pytorchCheck.Start();
            script = PytorchReference.FindScript()
                ?? throw UserFacingException.Refused($"--pytorch: {PytorchReference.ScriptPath} is not in this checkout.");
            if (PytorchReference.Problem(python) is { } missing)
                throw UserFacingException.Refused($"--pytorch: {missing} (see {Path.GetDirectoryName(PytorchReference.ScriptPath)}/README.md).");
            pytorchCheck.Stop();
        }
        if (steps is < 1 or > MaxSteps) throw UserFacingException.Refused($"--steps must be between 1 and {MaxSteps} (got {steps}).");
        if (repeats is < 1 or > MaxRepeats) throw UserFacingException.Refused($"--repeats must be between 1 and {MaxRepeats} (got {repeats}).");
        if (evalSize is < 1 or > TestImages) throw UserFacingException.Refused($"--eval-size must be between 1 and {TestImages}, the MNIST test set (got {evalSize}).");
        if (SessionOptions.Problem(threads, "cpu", dataDir) is { } problem) throw UserFacingException.Refused(problem);
        DateTime processStart = Process.GetCurrentProcess().StartTime;
        CliServices.LoadTorch("cpu");
        torch.set_num_threads(threads);
        Console.WriteLine($"Timing {repeats} epochs of {steps} steps after a warm-up epoch, then evaluation and artifacts …");
        BenchReport report;
        try
        {
            report = BenchRun.Measure(new BenchRun.Settings(steps, repeats, threads, evalSize, hard, dataDir),
                script != null ? new BenchRun.Reference(python!, script) : null,
                data => services.Launcher(data, ConsoleOutput.None), processStart + pytorchCheck.Elapsed, stop);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("bench stopped by request; nothing written.");
            return ExitCodes.Interrupted;
        }
        Console.Write(report.ToTable());
        if (json != null)
            ResultFile.ThrowIfAny(ResultFile.SaveText(json, JsonSerializer.Serialize(report, RunConfig.Json), services.Writer));
        return ExitCodes.Success;
    }

}
