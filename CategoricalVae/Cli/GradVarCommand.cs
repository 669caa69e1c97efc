using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Evaluation;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>`gradvar &lt;run&gt;`: at the run's checkpoint, the variance of every estimator's encoder gradient over
/// many noise draws on one fixed test batch, printed and written to gradvar.json.</summary>
public static class GradVarCommand
{
    public static Command Create(CliServices services)
    {
        var run = new Argument<string>("run") { Description = "Run folder (holds config.json and checkpoint.bin)" };
        var samples = OptionValues.Int("--samples", "Noise draws per estimator");
        samples.DefaultValueFactory = _ => 100;
        var batch = OptionValues.Int("--batch", "Test images in the fixed batch (the first N, binarised as evaluate does)");
        batch.DefaultValueFactory = _ => 100;
        var estimators = OptionValues.Text("--estimators", $"Comma-separated estimators, or all ({string.Join(", ", GradientEstimators.All.Select(GradientEstimators.Name))})", "names");
        estimators.DefaultValueFactory = _ => "all";
        var seed = OptionValues.OptionalLong("--seed", "Seed of the noise draws (default: the run's --seed)");
        var exact = OptionValues.Switch("--exact", $"Also compute the exact gradient by enumerating every code (latents of at most {ExactGradient.MaxCodes:N0} codes) and each estimator's bias");
        var checkpoint = OptionValues.OptionalText("--checkpoint", "Checkpoint to measure at: an epoch the run kept (--keep-checkpoints) or a file (default: the latest)", "epoch|file");
        var dataDir = SessionOptions.DataDir();
        var offline = SessionOptions.Offline();
        var threads = SessionOptions.Threads();
        var device = SessionOptions.Device();
        var output = OptionValues.OptionalText("--out", "Where to write the JSON (default: <run>/gradvar.json)", "file");
        var command = new Command("gradvar", "Variance of each gradient estimator's encoder gradient at a run's checkpoint")
        {
            run, samples, batch, estimators, seed, exact, checkpoint, dataDir, offline, threads, device, output,
        };
        command.SetAction((parse, _) => Task.FromResult(Run(services, new Request(parse.GetValue(run)!, parse.GetValue(samples), parse.GetValue(batch),
            parse.GetValue(estimators)!, parse.GetValue(seed), parse.GetValue(exact), parse.GetValue(checkpoint), parse.GetValue(dataDir)!, parse.GetValue(offline), parse.GetValue(threads),
            parse.GetValue(device)!, parse.GetValue(output)))));
        return command;
    }

    sealed record Request(string Run, int Samples, int Batch, string Estimators, long? Seed, bool Exact, string? Checkpoint, string DataDir, bool Offline, int Threads, string Device, string? Output);

    const int MaxSamples = 100_000, MaxBatch = 10_000;

    static int Run(CliServices services, Request r)
    {
        // Listening from the first moment: a stop during the checks or the loading ends with 130 too.
        using var stop = StopSignal.ListenToConsole();
        if (r.Samples is < 2 or > MaxSamples) throw UserFacingException.Refused($"--samples must be between 2 and {MaxSamples} (got {r.Samples}).");
        if (r.Batch is < 1 or > MaxBatch) throw UserFacingException.Refused($"--batch must be between 1 and {MaxBatch} (got {r.Batch}).");
        if (SessionOptions.Problem(r.Threads, r.Device, r.DataDir) is { } problem) throw UserFacingException.Refused(problem);
        var kinds = ParseEstimators(r.Estimators);
        var run = TrainedRun.Open(r.Run, "gradvar", r.Checkpoint);
        var output = OutputPath.Check(r.Output != null ? "--out" : "gradvar", r.Output ?? run.Layout.GradientVarianceFile,
            ownOutput: run.Layout.GradientVarianceFile, inputs: [run.CheckpointFile]);
        TrainOptions trained = run.Options;
        var state = run.State!;
        long codes = ExactGradient.CodeCount(trained.LatentDim, trained.Categories);
        if (r.Exact && codes > ExactGradient.MaxCodes)
            throw UserFacingException.Refused($"--exact: {run.Layout.Name}'s latent has {trained.Categories}^{trained.LatentDim} = {(codes == long.MaxValue ? "more than 9.2e18" : codes.ToString("N0", CultureInfo.InvariantCulture))} codes; " +
                $"enumerating them is done for at most {ExactGradient.MaxCodes:N0} (for example --latent-dim 8 --categories 4).");
        if (run.LiveTrainingWarning() is { } warning)
            Console.Error.WriteLine(warning);
        CliServices.LoadTorch(r.Device);
        torch.set_num_threads(r.Threads);
        var device = DeviceChoice.Resolve(r.Device);
        using var model = run.LoadModel(device);
        double temperature = run.Temperature;

        var data = services.Data(r.DataDir, r.Offline);
        using var test = data.TestForRun(r.Batch, trained.Binarize, trained.BinarizationSeed);
        using var x = test.Slice(0, test.Count).to(device);
        Console.WriteLine($"Encoder gradient of {r.Run} (epoch {state.EpochsCompleted}, τ {temperature:0.####}) on {test.Count} test images, {r.Samples} draws per estimator");
        GradientVariance.Result result;
        try
        {
            var request = new GradientVariance.Request(temperature, r.Samples, r.Seed ?? trained.Seed, trained.UsesAutograd, trained.EstimatorSettings, r.Exact);
            result = GradientVariance.Measure(model, x, request, kinds, () => stop.Requested);
        }
        catch (OperationCanceledException e)
        {
            Console.Error.WriteLine($"gradvar stopped by request ({e.Message}); nothing written.");
            return ExitCodes.Interrupted;
        }
        Console.Write(Table(result));
        var report = new GradientVarianceReport
        {
            Run = run.Layout.Name, GitCommit = RunConfig.CurrentGitCommit(), Checkpoint = run.CheckpointName, EpochsCompleted = state.EpochsCompleted, GlobalStep = state.GlobalStep,
            CheckpointSha256 = Checkpoint.StoredHash(run.CheckpointFile), Temperature = temperature,
            TestImages = test.Count, Draws = r.Samples, EncoderParameters = result.Parameters, ExactGradientNorm = result.ExactNorm,
            Estimators = result.Figures.Select(f => new GradientVarianceReport.Row
            {
                Estimator = GradientEstimators.Name(f.Estimator), TotalVariance = f.TotalVariance, MeanNorm = f.MeanNorm,
                DistanceToScoreFunctionMean = f.DistanceToScoreFunction, NoiseFloor = f.NoiseFloor,
                RelativeSquaredBias = f.Bias?.RelativeSquaredBias, RelativeSquaredBiasStandardError = f.Bias?.StandardError, CosineToExact = f.Bias?.CosineToExact,
            }).ToList(),
        };
        ResultFile.ThrowIfAny(ResultFile.SaveText(output, JsonSerializer.Serialize(report, RunConfig.Json), services.Writer));
        return ExitCodes.Success;
    }

    static GradientEstimator[] ParseEstimators(string text)
    {
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
            return GradientEstimators.All;
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw UserFacingException.Refused("--estimators names no estimator.");
        return names.Select(n => GradientEstimators.Parse(n) ?? throw UserFacingException.Refused(
            $"--estimators: '{n}' is not an estimator (one of {string.Join(", ", GradientEstimators.All.Select(GradientEstimators.Name))}).")).Distinct().ToArray();
    }

    static string Table(GradientVariance.Result result)
    {
        bool exact = result.ExactNorm != null;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"estimator",-18} {"total_variance",15} {"mean_norm",11} {"dist_to_sf_mean",16} {"noise_floor",12}");
        text.AppendLine(exact ? $" {"rel_sq_bias",12} {"± se",10} {"cos_to_exact",12}" : "");
        foreach (var f in result.Figures)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{GradientEstimators.Name(f.Estimator),-18} {f.TotalVariance,15:G4} {f.MeanNorm,11:G4} {f.DistanceToScoreFunction,16:G4} {f.NoiseFloor,12:G4}");
            text.AppendLine(f.Bias is { } b ? string.Create(CultureInfo.InvariantCulture, $" {b.RelativeSquaredBias,12:G4} {b.StandardError,10:G3} {b.CosineToExact,12:F4}") : "");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"({result.Parameters:N0} encoder parameters; a distance well above the noise floor is bias relative to the unbiased score-function mean)");
        if (exact)
            text.AppendLine(CultureInfo.InvariantCulture, $"(exact gradient by enumerating every code, norm {result.ExactNorm:G4}; rel_sq_bias = (‖mean − exact‖² − tr(Σ)/draws) / ‖exact‖², ± a jackknife standard error: an unbiased estimator reads 0 within it)");
        return text.ToString();
    }
}
