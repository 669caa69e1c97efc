using System.CommandLine;
using System.Diagnostics;
using CategoricalVae.Data;
using CategoricalVae.Evaluation;
using CategoricalVae.Model;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>`evaluate &lt;run dir&gt;`: discrete ELBO, importance-weighted bound and relaxed loss of a trained model
/// on the test set; prints them and writes evaluation.json into the run folder.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "Run folder (holds config.json and checkpoint.bin)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint to evaluate (default: <run>/checkpoint.bin)" };
        var samples = new Option<int>("--samples") { Description = "One-hot samples per test image for the importance-weighted bound", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long?>("--seed") { Description = "Seed of the evaluation's samples (default: the run's --seed)" };
        var binarize = new Option<Binarization?>("--binarize") { Description = "Test pixels: none, fixed or dynamic (default: as the run was trained; dynamic and fixed both score a fixed binarisation)" };
        var binarizeSeed = new Option<long?>("--binarize-seed") { Description = "Seed of the binarisation (default: the run's)" };
        var testLimit = new Option<int?>("--test-limit") { Description = "Evaluate only the first N test images (default: all 10 000)" };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder with the MNIST IDX files (fetched if missing)", DefaultValueFactory = _ => "data" };
        var offline = new Option<bool>("--offline") { Description = "Never fetch MNIST; use only files on disk" };
        var threads = new Option<int>("--threads") { Description = "CPU threads for libtorch", DefaultValueFactory = _ => TrainCommandLine.DefaultThreads };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
        var output = new Option<string?>("--out") { Description = "Where to write the JSON (default: <run>/evaluation.json)" };
        var command = new Command("evaluate", "Discrete ELBO and importance-weighted log-likelihood bound of a trained run on the test set")
        {
            run, checkpoint, samples, seed, binarize, binarizeSeed, testLimit, dataDir, offline, threads, device, output,
        };
        command.SetAction((parse, _) => RunAsync(new Request(
            parse.GetValue(run)!, parse.GetValue(checkpoint), parse.GetValue(samples), parse.GetValue(seed), parse.GetValue(binarize),
            parse.GetValue(binarizeSeed), parse.GetValue(testLimit), parse.GetValue(dataDir)!, parse.GetValue(offline),
            parse.GetValue(threads), parse.GetValue(device)!, parse.GetValue(output))));
        return command;
    }

    sealed record Request(string Run, string? Checkpoint, int Samples, long? Seed, Binarization? Binarize, long? BinarizeSeed,
        int? TestLimit, string DataDir, bool Offline, int Threads, string Device, string? Output);

    static async Task<int> RunAsync(Request r)
    {
        if (!Directory.Exists(r.Run)) throw new UserFacingException($"evaluate: {r.Run} is not a folder.", 2);
        string configFile = Path.Combine(r.Run, "config.json");
        if (!File.Exists(configFile)) throw new UserFacingException($"evaluate: {r.Run} has no config.json (not a run folder).", 2);
        string checkpointFile = r.Checkpoint ?? Path.Combine(r.Run, "checkpoint.bin");
        if (!File.Exists(checkpointFile))
            throw new UserFacingException($"evaluate: {checkpointFile} does not exist (the run never finished an epoch?).", 2);
        if (r.Samples < 1) throw new UserFacingException($"--samples must be at least 1 (got {r.Samples}).", 2);
        if (r.TestLimit is < 1) throw new UserFacingException($"--test-limit must be at least 1 (got {r.TestLimit}).", 2);
        if (r.Threads < 1) throw new UserFacingException($"--threads must be at least 1 (got {r.Threads}).", 2);
        if (!DeviceChoice.Names.Contains(r.Device)) throw new UserFacingException($"--device must be one of {string.Join(", ", DeviceChoice.Names)} (got '{r.Device}').", 2);

        TrainOptions trained = RunConfig.Load(configFile).Options;
        Binarization binarize = r.Binarize ?? trained.Binarize;
        long? binarizeSeed = binarize == Binarization.None ? null : r.BinarizeSeed ?? trained.BinarizeSeed ?? trained.Seed;
        var options = trained with { Binarize = binarize, BinarizeSeed = binarizeSeed };
        long seed = r.Seed ?? trained.Seed;

        TorchRuntime.EnsureLoaded(r.Run, r.Device == "cuda");
        torch.set_num_threads(r.Threads);
        var device = DeviceChoice.Resolve(r.Device);
        var clock = Stopwatch.StartNew();
        using var stop = StopSignal.ListenToConsole();

        using var model = new CategoricalVaeModel(trained.LatentDim, trained.Categories, new torch.Generator(1), trained.ReluOnLogits);
        var state = Checkpoint.Load(checkpointFile);
        if (state.LatentDim != trained.LatentDim || state.Categories != trained.Categories)
            throw new UserFacingException($"evaluate: {checkpointFile} holds a {state.LatentDim}×{state.Categories} model but config.json says {trained.LatentDim}×{trained.Categories}.", 2);
        Checkpoint.Load(checkpointFile, model);
        model.to(device);

        var files = await new MnistDataDirectory(r.DataDir, MnistDataDirectory.DefaultSources(r.Offline), Console.WriteLine).EnsureAsync();
        using var test = MnistDataset.Load(files[MnistFile.TestImages], files[MnistFile.TestLabels], r.TestLimit);
        TrainJob.BinarizeForRun(options, train: null, test);

        Console.WriteLine($"Evaluating {r.Run} (epoch {state.EpochsCompleted}, {trained.Mode}) on {test.Count} test images, {r.Samples} one-hot samples each, pixels: {Describe(binarize, binarizeSeed)}");
        int lastTenth = 0;
        var evaluator = new Evaluator
        {
            Model = model, Samples = r.Samples, Seed = seed, Device = device, ImagesPerBatch = trained.BatchSize,
            RelaxedNoiseSeed = SeedStreams.GeneratorSeed(trained.Seed, Math.Max(1, state.EpochsCompleted), SeedStreams.Stream.EvalNoise),
            StopRequested = () => stop.Requested,
            Progress = (done, total) =>
            {
                int tenth = done * 10 / total;
                if (tenth > lastTenth) Console.WriteLine($"  {done}/{total} images ({clock.Elapsed.TotalSeconds:F0} s)");
                lastTenth = tenth;
            },
        };
        double temperature = state.Temperature > 0 ? state.Temperature : trained.Temperature;
        Evaluator.Result result;
        try
        {
            result = evaluator.Run(test, temperature, trained.Hard);
        }
        catch (OperationCanceledException e)
        {
            Console.Error.WriteLine($"Evaluation stopped by request ({e.Message}); nothing written.");
            return TrainJob.ExitInterrupted;
        }

        var report = new EvaluationReport
        {
            Run = Path.GetFullPath(r.Run),
            Checkpoint = Path.GetFullPath(checkpointFile),
            EpochsCompleted = state.EpochsCompleted,
            GlobalStep = state.GlobalStep,
            Mode = trained.Mode,
            Binarize = binarize.ToString().ToLowerInvariant(),
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
        string outputFile = r.Output ?? Path.Combine(r.Run, "evaluation.json");
        AtomicFile.WriteText(outputFile, report.ToJson());

        Console.WriteLine($"  discrete ELBO        {report.DiscreteElbo.Mean,10:F2} ± {report.DiscreteElbo.StandardError:F2} nats  (−ELBO {report.NegativeElbo:F2}; KL to prior {report.KlToPrior:F2})");
        Console.WriteLine($"  {$"IW bound (m={r.Samples})",-20} {report.ImportanceWeightedBound.Mean,10:F2} ± {report.ImportanceWeightedBound.StandardError:F2} nats  (NLL estimate {report.NegativeLogLikelihoodEstimate:F2})");
        Console.WriteLine($"  relaxed loss (τ {temperature:F4}) {report.Relaxed.Loss,8:F2}  (BCE {report.Relaxed.Bce:F2}, KL {report.Relaxed.Kl:F2}; training objective, not a bound)");
        if (binarize == Binarization.None)
            Console.WriteLine("  note: grey-level pixels: the reconstruction term is minus BCE, not a likelihood; use --binarize fixed for figures comparable with papers.");
        Console.WriteLine($"Wrote {Path.GetFullPath(outputFile)} ({report.Seconds:F1} s)");
        return 0;
    }

    static string Describe(Binarization b, long? seed) => b switch
    {
        Binarization.None => "grey levels",
        _ => $"binarised once from seed {seed}",
    };
}
