using System.CommandLine;
using System.Diagnostics;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Evaluation;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>`evaluate &lt;run dir&gt;`: discrete ELBO, importance-weighted bound and relaxed loss of a trained model
/// on the test set; prints them and writes evaluation.json into the run folder.</summary>
public static class EvaluateCommand
{
    public static Command Create(CliServices services)
    {
        var run = new Argument<string>("run") { Description = "Run folder (holds config.json and checkpoint.bin)" };
        var checkpoint = OptionValues.OptionalText("--checkpoint", "Checkpoint to evaluate: an epoch the run kept (--keep-checkpoints) or a file (default: the latest)", "epoch|file");
        var samples = OptionValues.Int("--samples", "One-hot samples per test image for the importance-weighted bound");
        samples.DefaultValueFactory = _ => 1000;
        var seed = OptionValues.OptionalLong("--seed", "Seed of the evaluation's samples (default: the run's --seed)");
        var binarize = OptionValues.Choice("--binarize", "Test pixels: none, fixed or dynamic (default: as the run was trained; dynamic and fixed both score a fixed binarisation)",
            TrainOptionSet.Names<Binarization>());
        var binarizeSeed = OptionValues.OptionalLong("--binarize-seed", "Seed of the binarisation (default: the run's)");
        var testLimit = OptionValues.OptionalInt("--test-limit", "Evaluate only the first N test images (default: all 10 000)");
        var dataDir = SessionOptions.DataDir();
        var offline = SessionOptions.Offline();
        var threads = SessionOptions.Threads();
        var device = SessionOptions.Device();
        var output = OptionValues.OptionalText("--out", "Where to write the JSON (default: <run>/evaluation.json)", "file");
        var command = new Command("evaluate", "Discrete ELBO and importance-weighted log-likelihood bound of a trained run on the test set")
        {
            run, checkpoint, samples, seed, binarize, binarizeSeed, testLimit, dataDir, offline, threads, device, output,
        };
        command.SetAction((parse, _) => Task.FromResult(Run(services, new Request(
            parse.GetValue(run)!, parse.GetValue(checkpoint), parse.GetValue(samples), parse.GetValue(seed),
            parse.GetResult(binarize) is { Implicit: false } ? Enum.Parse<Binarization>(parse.GetValue(binarize)!, ignoreCase: true) : null,
            parse.GetValue(binarizeSeed), parse.GetValue(testLimit), parse.GetValue(dataDir)!, parse.GetValue(offline),
            parse.GetValue(threads), parse.GetValue(device)!, parse.GetValue(output)))));
        return command;
    }

    sealed record Request(string Run, string? Checkpoint, int Samples, long? Seed, Binarization? Binarize, long? BinarizeSeed,
        int? TestLimit, string DataDir, bool Offline, int Threads, string Device, string? Output);

    /// <summary>Test images a batch of samples holds at most, whatever m is: the bound decodes m codes per image.</summary>
    const int MaxSamples = 10_000_000;

    static int Run(CliServices services, Request r)
    {
        // Listening from the first moment: a stop during the checks or the loading ends with 130 too.
        using var stop = StopSignal.ListenToConsole();
        if (r.Samples is < 1 or > MaxSamples) throw UserFacingException.Refused($"--samples must be between 1 and {MaxSamples} (got {r.Samples}).");
        if (r.TestLimit is < 1) throw UserFacingException.Refused($"--test-limit must be at least 1 (got {r.TestLimit}).");
        if (SessionOptions.Problem(r.Threads, r.Device, r.DataDir) is { } problem) throw UserFacingException.Refused(problem);
        var run = TrainedRun.Open(r.Run, "evaluate", r.Checkpoint);
        var output = OutputPath.Check(r.Output != null ? "--out" : "evaluate", r.Output ?? run.Layout.EvaluationFile,
            ownOutput: run.Layout.EvaluationFile, inputs: [run.CheckpointFile]);
        TrainOptions trained = run.Options;
        var state = run.State!;
        Binarization binarize = r.Binarize ?? trained.Binarize;
        if (binarize == Binarization.None && r.BinarizeSeed != null)
            throw UserFacingException.Refused("--binarize-seed needs --binarize fixed or dynamic.");
        long? binarizeSeed = binarize == Binarization.None ? null : r.BinarizeSeed ?? trained.BinarizationSeed;
        long seed = r.Seed ?? trained.Seed;
        if (run.LiveTrainingWarning() is { } warning)
            Console.Error.WriteLine(warning);

        CliServices.LoadTorch(r.Device);
        torch.set_num_threads(r.Threads);
        var device = DeviceChoice.Resolve(r.Device);
        var clock = Stopwatch.StartNew();
        using var model = run.LoadModel(device);

        var data = services.Data(r.DataDir, r.Offline);
        using var test = data.TestForRun(r.TestLimit, binarize, binarizeSeed ?? 0);

        Console.WriteLine($"Evaluating {r.Run} (epoch {state.EpochsCompleted}, {trained.Mode}) on {test.Count} test images, {r.Samples} one-hot samples each, pixels: {Describe(binarize, binarizeSeed)}");
        int lastTenth = 0;
        var evaluator = new BoundEvaluation
        {
            Model = model, Samples = r.Samples, Seed = seed, Device = device, ImagesPerBatch = trained.BatchSize,
            Autograd = trained.UsesAutograd,
            RelaxedNoiseSeed = SeedStreams.GeneratorSeed(trained.Seed, Math.Max(1, state.EpochsCompleted), SeedStreams.Stream.EvalNoise),
            StopRequested = () => stop.Requested,
            Progress = (done, total) =>
            {
                int tenth = done * 10 / total;
                if (tenth > lastTenth) Console.WriteLine($"  {done}/{total} images ({clock.Elapsed.TotalSeconds:F0} s)");
                lastTenth = tenth;
            },
        };
        double temperature = run.Temperature;
        BoundEvaluation.Result result;
        try
        {
            result = evaluator.Run(test, temperature, Model.Estimators.GradientEstimators.For(trained.Estimator, trained.EstimatorSettings));
            // A stop that arrived during the last batch counts too: a request is never ignored.
            if (stop.Requested)
                throw new OperationCanceledException($"stopped after all {test.Count} images, before writing");
        }
        catch (OperationCanceledException e)
        {
            Console.Error.WriteLine($"Evaluation stopped by request ({e.Message}); nothing written.");
            return ExitCodes.Interrupted;
        }

        var report = new EvaluationReport
        {
            Run = run.Layout.Name,
            GitCommit = RunConfig.CurrentGitCommit(),
            Checkpoint = run.CheckpointName,
            EpochsCompleted = state.EpochsCompleted,
            GlobalStep = state.GlobalStep,
            CheckpointSha256 = Checkpoint.StoredHash(run.CheckpointFile),
            Mode = trained.Mode,
            Estimator = Model.Estimators.GradientEstimators.Name(trained.Estimator),
            Binarize = TrainOptionSet.Name(binarize),
            BinarizeSeed = binarizeSeed,
            Likelihood = binarize == Binarization.None ? "bce-on-grey-levels (not a normalised likelihood)" : "bernoulli",
            TestExamples = test.Count,
            Samples = r.Samples,
            Seed = seed,
            DiscreteElbo = result.Elbo,
            ImportanceWeightedBound = result.ImportanceWeighted,
            NegativeLogLikelihoodEstimate = -result.ImportanceWeighted.Mean,
            NegativeElbo = -result.Elbo.Mean,
            KlToPrior = result.Kl,
            Relaxed = result.Relaxed,
            Seconds = clock.Elapsed.TotalSeconds,
            WrittenUtc = DateTime.UtcNow,
        };
        Console.WriteLine($"  discrete ELBO        {report.DiscreteElbo.Mean,10:F2} ± {report.DiscreteElbo.StandardError:F2} nats  (−ELBO {report.NegativeElbo:F2}; KL to prior {report.KlToPrior:F2})");
        Console.WriteLine($"  {$"IW bound (m={r.Samples})",-20} {report.ImportanceWeightedBound.Mean,10:F2} ± {report.ImportanceWeightedBound.StandardError:F2} nats  (NLL estimate {report.NegativeLogLikelihoodEstimate:F2})");
        Console.WriteLine($"  relaxed loss (τ {Trainer.TemperatureText(temperature)}) {report.Relaxed.Loss,8:F2}  (BCE {report.Relaxed.Bce:F2}, KL {report.Relaxed.Kl:F2}; training objective, not a bound)");
        if (binarize == Binarization.None)
            Console.WriteLine("  note: grey-level pixels: the reconstruction term is minus BCE, not a likelihood; use --binarize fixed for figures comparable with papers.");
        ResultFile.ThrowIfAny(ResultFile.SaveText(output, report.ToJson(), services.Writer, $" ({report.Seconds:F1} s)"));
        return ExitCodes.Success;
    }

    static string Describe(Binarization b, long? seed) => b switch
    {
        Binarization.None => "grey levels",
        _ => $"binarised once from seed {seed}",
    };
}
