using System.CommandLine;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Interop;
using CategoricalVae.Model;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>`import &lt;weights&gt;`: a new run folder around a state_dict from PyTorch (torch.save) or safetensors, with no
/// epochs trained yet; evaluate, gradvar and compare then work on it and --resume trains it further (docs/interop.md).</summary>
public static class ImportCommand
{
    /// <summary>The run folder's label when --name is not given.</summary>
    const string DefaultName = "imported";

    public static Command Create(CliServices services)
    {
        var weights = new Argument<string>("weights") { Description = "A state_dict: torch.save(model.state_dict(), path) output, or a .safetensors file" };
        var set = new TrainOptionSet();
        var command = new Command("import", "Make a run folder from a PyTorch or safetensors state_dict of VAE_gumbel (the JSON that export writes beside it, if there, gives the run's options; options given here win)")
        {
            weights,
        };
        foreach (var b in set.Bindings)
            command.Options.Add(b.Option);
        command.SetAction(parse => Run(services, set, parse, parse.GetValue(weights)!));
        return command;
    }

    static int Run(CliServices services, TrainOptionSet set, ParseResult parse, string file)
    {
        // Listening from the first moment: a stop before the run folder is made ends with 130 and makes none.
        using var stop = StopSignal.ListenToConsole();
        string metadataFile = RunLayout.ExportMetadataFile(file);
        var metadata = File.Exists(metadataFile) ? ExchangeMetadata.Load(metadataFile) : null;
        var start = metadata?.ToOptions(metadataFile) ?? TrainOptions.Defaults;
        var options = set.Read(parse, start with { Name = DefaultName });
        if (options.Problem() is { } problem)
            throw UserFacingException.Refused(problem);

        CliServices.LoadTorch("cpu");
        torch.set_num_threads(options.Threads);
        using var model = ModelFactory.Create(options.LatentDim, options.Categories, options.ReluOnLogits, options.Seed);
        using var imported = WeightsReader.Read(file, new ExpectedStateDict(model), metadata == null ? null : (metadataFile, metadata.WeightsSha256));
        imported.LoadInto(model);

        var source = new ImportSource
        {
            File = Path.GetFullPath(file), Format = WeightsFormats.Name(imported.Format), Sha256 = imported.Sha256,
            Run = metadata?.Run, RunGitCommit = metadata?.GitCommit, EpochsCompleted = metadata?.EpochsCompleted, Converted = [.. imported.Converted],
        };
        if (stop.Requested)
        {
            Console.Error.WriteLine("import stopped by request; no run folder made.");
            return ExitCodes.Interrupted;
        }
        string folder = RunImport.Create(options, model, source, services.Writer);
        // Only now, so that a refusal or a failure stays the one line on stderr.
        foreach (string warning in imported.Warnings)
            Console.Error.WriteLine(warning);
        Console.WriteLine($"Imported {file} ({source.Format}, latent {options.LatentDim}×{options.Categories}, {(options.ReluOnLogits ? "ReLU on the logits" : "no ReLU on the logits")}, " +
            $"τ {options.Temperature:0.####}{(metadata != null ? $", options of {metadata.Run} from {Path.GetFileName(metadataFile)}" : "")})");
        Console.WriteLine($"Run folder {folder} (no epochs trained yet)");
        Console.WriteLine($"  evaluate {folder}    scores it; --resume {folder} trains it further (Adam starts fresh)");
        return ExitCodes.Success;
    }
}
