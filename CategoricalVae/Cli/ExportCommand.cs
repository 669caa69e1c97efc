using System.CommandLine;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Interop;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>`export &lt;run&gt;`: the run's model as the original VAE_gumbel's state_dict, in a torch.save file or
/// safetensors, with a JSON beside it that says how to rebuild and use it (docs/interop.md).</summary>
public static class ExportCommand
{
    public static Command Create(CliServices services)
    {
        var run = new Argument<string>("run") { Description = "Run folder (holds config.json and checkpoint.bin)" };
        var format = OptionValues.Choice("--format", "pt: a torch.save state_dict for model.load_state_dict(torch.load(path)); safetensors: the safetensors format", WeightsFormats.Names);
        format.DefaultValueFactory = _ => "pt";
        var output = OptionValues.OptionalText("--out", "Where to write the weights; the JSON goes beside them as <file>.json (default: <run>/<run name>.pt or .safetensors)", "file");
        var checkpoint = OptionValues.OptionalText("--checkpoint", "Checkpoint to export: an epoch the run kept (--keep-checkpoints) or a file (default: the latest)", "epoch|file");
        var command = new Command("export", "Write a run's model as a PyTorch state_dict (.pt) or safetensors file, with a JSON of what a loader must know")
        {
            run, format, output, checkpoint,
        };
        command.SetAction(parse => Run(services, parse.GetValue(run)!, WeightsFormats.Parse(parse.GetValue(format)!), parse.GetValue(output), parse.GetValue(checkpoint)));
        return command;
    }

    static int Run(CliServices services, string folder, WeightsFormat format, string? output, string? checkpoint)
    {
        // Listening from the first moment: a stop before the files are written ends with 130 and writes none.
        using var stop = StopSignal.ListenToConsole();
        var run = TrainedRun.Open(folder, "export", checkpoint);
        var layout = run.Layout;
        string own = layout.ExportFile(WeightsFormats.Extension(format), checkpoint == null ? null : run.State!.EpochsCompleted);
        string option = output != null ? "--out" : "export";
        string file = OutputPath.Check(option, output ?? own, ownOutput: own, inputs: [run.CheckpointFile]).FullPath;
        string metadataFile = OutputPath.Check(option, RunLayout.ExportMetadataFile(file), ownOutput: RunLayout.ExportMetadataFile(own), inputs: [run.CheckpointFile]).FullPath;
        if (run.LiveTrainingWarning() is { } warning)
            Console.Error.WriteLine(warning);

        CliServices.LoadTorch("cpu");
        using var model = run.LoadModel(torch.CPU);
        if (stop.Requested)
        {
            Console.Error.WriteLine("export stopped by request; nothing written.");
            return ExitCodes.Interrupted;
        }
        var metadata = ModelExport.Write(run, model, format, file, services.Writer);
        Console.WriteLine($"Exported {layout.Name} (epoch {metadata.EpochsCompleted}, latent {metadata.LatentDim}×{metadata.Categories}, τ {metadata.Temperature:0.####}) to");
        Console.WriteLine($"  {file} ({new FileInfo(file).Length:N0} bytes, {metadata.Format}, float32)");
        Console.WriteLine($"  {metadataFile} (what a loader must know; import reads it)");
        if (!metadata.ReluOnLogits)
            Console.WriteLine("note: this run drops the ReLU on the encoder logits (--no-logit-relu); the original VAE_gumbel's encode applies it, so leave it out there too.");
        Console.WriteLine(format == WeightsFormat.Pytorch
            ? $"In Python: model = VAE_gumbel(temp); model.load_state_dict(torch.load(\"{Path.GetFileName(file)}\"))"
            : $"In Python: safetensors.torch.load_file(\"{Path.GetFileName(file)}\") gives the state_dict");
        return ExitCodes.Success;
    }
}
