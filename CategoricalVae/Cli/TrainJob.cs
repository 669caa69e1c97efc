using System.CommandLine;
using CategoricalVae.Data;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using Spectre.Console;
using TorchSharp;

namespace CategoricalVae.Cli;

/// <summary>The main job: validate, load libtorch and MNIST, create or reopen the run folder, train.</summary>
public static class TrainJob
{
    public const int ExitInterrupted = 130;

    public static async Task<int> RunAsync(TrainCommandLine cli, ParseResult parse, StopSignal stop)
    {
        TrainOptions options = cli.Read(parse);
        string? resume = parse.GetValue(cli.Resume);
        if (TrainCommandLine.Validate(options, resume) is { } problem)
            throw new UserFacingException(problem, 2);

        RunConfig? previous = null;
        if (resume != null)
        {
            previous = RunConfig.Load(Path.Combine(resume, "config.json"));
            options = MergeForResume(cli, parse, previous.Options, options);
        }

        TorchRuntime.EnsureLoaded(resume ?? options.RunsDir, options.Device == "cuda");
        torch.set_num_threads(options.Threads);
        var device = DeviceChoice.Resolve(options.Device);

        var data = new MnistDataDirectory(options.DataDir, MnistDataDirectory.DefaultSources(options.Offline), Console.WriteLine);
        var files = await data.EnsureAsync();
        using var train = MnistDataset.Load(files[MnistFile.TrainImages], files[MnistFile.TrainLabels], options.TrainLimit);
        using var test = MnistDataset.Load(files[MnistFile.TestImages], files[MnistFile.TestLabels], options.TestLimit);
        BinarizeForRun(options, train, test);

        using var run = resume != null
            ? RunDirectory.Open(resume)
            : RunDirectory.Create(options.RunsDir, options.Mode, options.Name, DateTime.Now);
        CheckpointState? state = null;
        if (previous != null)
        {
            state = ResumeState.Check(run, options, parse.GetValue(cli.Force));
            (previous with { Options = options, ResumedAtUtc = [.. previous.ResumedAtUtc, DateTime.UtcNow] }).Save(run.ConfigFile);
        }
        else
        {
            new RunConfig
            {
                Options = options,
                Device = device.ToString(),
                Threads = torch.get_num_threads(),
                TorchSharpVersion = TorchRuntime.TorchSharpVersion,
                LibTorchVersion = TorchRuntime.LibTorchVersion,
                Machine = Environment.MachineName,
                GitCommit = RunConfig.FindGitCommit(Environment.CurrentDirectory),
                StartTimeUtc = DateTime.UtcNow,
            }.Save(run.ConfigFile);
        }

        bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        using var log = TrainLogging.Create(run.LogFile, interactive);
        log.Information("Run folder {Run} ({Mode}, {Schedule} annealing, seed {Seed}, {Device}, {Threads} threads, {Train} train / {Test} test examples{Resumed})",
            run.Path, options.Mode, options.AnnealSchedule, options.Seed, device, torch.get_num_threads(), train.Count, test.Count,
            state != null ? $", resuming after epoch {state.EpochsCompleted}" + (state.BatchesDoneInEpoch > 0 ? $" + {state.BatchesDoneInEpoch} batches" : "") : "");

        using var trainer = new Trainer(options, train, test, run, log, stop, device)
        {
            StopAfterStep = TestHooks.Read(TestHooks.StopAfterStep),
            NanGradientAtStep = TestHooks.Read(TestHooks.NanGradientAtStep),
            LogRssAtSteps = (Environment.GetEnvironmentVariable(TestHooks.LogRssAtSteps) ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToHashSet(),
        };
        if (TestHooks.Read(TestHooks.NanLossAtStep) is long nanStep)
            trainer.LossOverride = step => step == nanStep ? double.NaN : null;
        TrainingOutcome outcome = interactive
            ? RunWithProgressBar(trainer, state)
            : trainer.Run(state);

        switch (outcome)
        {
            case TrainingOutcome.Completed:
                log.Information("Done. Run folder: {Run}", run.Path);
                return 0;
            case TrainingOutcome.Interrupted:
                return ExitInterrupted;
            default:
                return 1;
        }
    }

    /// <summary>Fixed: both splits once. Dynamic: the test set once (so test losses compare across epochs), the
    /// training batches as they are drawn (<see cref="Trainer"/>). `evaluate` calls this too, so it scores the
    /// very pixels the run was tested on.</summary>
    public static void BinarizeForRun(TrainOptions options, MnistDataset? train, MnistDataset test)
    {
        if (options.Binarize == Binarization.None)
            return;
        long seed = options.BinarizeSeed ?? options.Seed;
        if (options.Binarize == Binarization.Fixed)
            train?.BinarizeFixed(seed, SeedStreams.Stream.BinarizeTrainSet);
        test.BinarizeFixed(seed, SeedStreams.Stream.BinarizeTestSet);
    }

    static TrainingOutcome RunWithProgressBar(Trainer trainer, CheckpointState? state)
    {
        return trainer.Run(state, (epoch, runEpoch) =>
        {
            AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"Epoch {epoch}");
                    trainer.BatchDone = (done, total, loss) =>
                    {
                        task.MaxValue = total;
                        task.Value = done;
                        task.Description = $"Epoch {epoch} loss {loss:F2}";
                    };
                    runEpoch();
                });
            trainer.BatchDone = null;
        });
    }

    /// <summary>--resume takes the run's own options; only epochs, threads, device, data and logging may
    /// change. A run-defining flag given with a different value is refused rather than silently ignored.</summary>
    static TrainOptions MergeForResume(TrainCommandLine cli, ParseResult parse, TrainOptions saved, TrainOptions given)
    {
        foreach (Option option in cli.RunDefining)
        {
            if (parse.GetResult(option) is not { Implicit: false })
                continue;
            string a = Describe(cli.Read(parse), option, cli), b = Describe(saved, option, cli);
            if (a != b)
                throw new UserFacingException($"--resume: {option.Name} {a} differs from the run's {b} (config.json); start a new run to change it.", 2);
        }
        return saved with
        {
            Epochs = parse.GetResult(cli.Epochs) is { Implicit: false } ? given.Epochs : saved.Epochs,
            Threads = given.Threads,
            Device = given.Device,
            DataDir = given.DataDir,
            Offline = given.Offline,
            LogInterval = given.LogInterval,
            TensorBoard = given.TensorBoard,
            StockAdam = given.StockAdam,
        };
    }

    static string Describe(TrainOptions o, Option option, TrainCommandLine cli) => option switch
    {
        _ when option == cli.BatchSize => o.BatchSize.ToString(),
        _ when option == cli.Lr => o.LearningRate.ToString("R"),
        _ when option == cli.Hard => o.Hard ? "hard" : "soft",
        _ when option == cli.Temperature => o.Temperature.ToString("R"),
        _ when option == cli.TempMin => o.TempMin.ToString("R"),
        _ when option == cli.AnnealRate => o.AnnealRate.ToString("R"),
        _ when option == cli.AnnealEvery => o.AnnealEvery.ToString(),
        _ when option == cli.AnnealScheduleKind => o.AnnealSchedule.ToString(),
        _ when option == cli.LatentDim => o.LatentDim.ToString(),
        _ when option == cli.Categories => o.Categories.ToString(),
        _ when option == cli.NoLogitRelu => o.ReluOnLogits ? "relu-on-logits" : "no-logit-relu",
        _ when option == cli.Seed => o.Seed.ToString(),
        _ when option == cli.TrainLimit => o.TrainLimit?.ToString() ?? "all",
        _ when option == cli.TestLimit => o.TestLimit?.ToString() ?? "all",
        _ when option == cli.Binarize => o.Binarize.ToString().ToLowerInvariant(),
        _ when option == cli.BinarizeSeed => o.BinarizeSeed?.ToString() ?? "none",
        _ => "?",
    };
}
