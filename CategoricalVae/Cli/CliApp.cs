using System.CommandLine;
using CategoricalVae.Common;
using CategoricalVae.Training;

namespace CategoricalVae.Cli;

/// <summary>The command line: the root command trains; subcommands compare, evaluate and benchmark. Every failure
/// ends as one `error:` line and an exit code from <see cref="ExitCodes"/>, never a stack trace.</summary>
public static class CliApp
{
    public static RootCommand Build(CliServices services)
    {
        var root = new RootCommand("Categorical VAE (Gumbel-Softmax) on MNIST. Without a subcommand: train one run into --runs-dir.");
        TrainCommand.Configure(root, services);
        root.Subcommands.Add(CompareCommand.Create(services));
        root.Subcommands.Add(EvaluateCommand.Create(services));
        root.Subcommands.Add(SweepCommand.Create(services));
        root.Subcommands.Add(GradVarCommand.Create(services));
        root.Subcommands.Add(BenchCommand.Create(services));
        root.Subcommands.Add(ExportCommand.Create(services));
        root.Subcommands.Add(ImportCommand.Create(services));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliServices services)
    {
        var parsed = Build(services).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // An error about an option says more than the stray word it leaves behind (--epochs --runs-dir X).
            var error = parsed.Errors.FirstOrDefault(e => e.SymbolResult is System.CommandLine.Parsing.OptionResult) ?? parsed.Errors[0];
            Console.Error.WriteLine($"error: {ParseErrorText.Describe(error)} (see --help)");
            return ExitCodes.Refused;
        }
        // Once, before any command starts: --device cuda on a build without CUDA (no folder made, no library loaded).
        if (parsed.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--device") is Option<string> device
            && DeviceChoice.Problem(parsed.GetValue(device) ?? "") is { } deviceProblem)
        {
            Console.Error.WriteLine($"error: {deviceProblem}");
            return ExitCodes.Refused;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (UserFacingException e)
        {
            Console.Error.WriteLine($"error: {OneLine(e.Message)}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Disk full, read-only folders, vanished files: what was written last is still whole (atomic renames).
            Console.Error.WriteLine($"error: {OneLine(NoSpace.Explain(e))}");
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            // Anything unexpected (a libtorch error, a bug): one line here, the full story in a file of its own.
            string details = ErrorDetails.Write(Path.GetTempPath(), "categoricalvae-error", e.ToString());
            Console.Error.WriteLine($"error: unexpected failure: {OneLine(e.Message)} (details: {details})");
            return ExitCodes.Failed;
        }
    }

    static string OneLine(string text) => text.Split('\n')[0].Trim().ReplaceLineEndings(" ");
}
