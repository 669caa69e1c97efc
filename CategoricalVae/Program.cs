using System.CommandLine;
using CategoricalVae;
using CategoricalVae.Cli;
using CategoricalVae.Native;
using CategoricalVae.Training;

MallocTuning.Apply();
OpenMpSpin.Apply();

var cli = new TrainCommandLine();
var root = new RootCommand("Categorical VAE (Gumbel-Softmax) on MNIST. Without a subcommand: train one run into --runs-dir.");
foreach (var option in cli.All)
    root.Options.Add(option);

root.Subcommands.Add(CompareCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());

root.SetAction(async (parse, _) =>
{
    // Only commands that can stop cleanly intercept Ctrl+C / SIGTERM; the others keep the default (terminate).
    using var stop = StopSignal.ListenToConsole();
    return await TrainJob.RunAsync(cli, parse, stop);
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message.ReplaceLineEndings(" ")} (see --help)");
    return 2;
}
try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (UserFacingException e)
{
    Console.Error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
    return e.ExitCode;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    // Disk full, read-only folders, vanished files: the checkpoint written last is still whole (atomic renames).
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (Exception e)
{
    // Anything unexpected (a libtorch error, a bug): one line here, the full story in a file.
    string details = Path.Combine(Path.GetTempPath(), $"categoricalvae-error-{DateTime.Now:yyyyMMdd-HHmmss}.txt");
    try { File.WriteAllText(details, e.ToString()); }
    catch (IOException) { details = "(could not write details)"; }
    Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()} (details: {details})");
    return 1;
}
