using System.CommandLine;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Training;

namespace CategoricalVae.Cli;

/// <summary>Training, the root command: a new run, or --resume of an existing one, through <see cref="RunLauncher"/>.</summary>
public static class TrainCommand
{
    public static void Configure(RootCommand root, CliServices services)
    {
        var set = new TrainOptionSet();
        var resume = OptionValues.OptionalText("--resume", "Continue the run in this folder from its last checkpoint", "run-folder");
        var force = OptionValues.Switch("--force", "With --resume: repair a damaged run (drop unreadable metrics lines, or restart from epoch 1 in place when the checkpoint or the history is damaged), keeping backups");
        var runDir = OptionValues.OptionalText("--run-dir", "Train a new run into exactly this folder, which must not exist (sweep members use it)", "folder");
        foreach (var b in set.Bindings)
            root.Options.Add(b.Option);
        root.Options.Add(runDir);
        root.Options.Add(resume);
        root.Options.Add(force);
        root.SetAction((parse, _) =>
        {
            // Only commands that can stop cleanly intercept Ctrl+C / SIGTERM; the others keep the default (terminate).
            using var stop = StopSignal.ListenToConsole();
            var observers = new List<ITrainingObserver>(services.Observers);
            bool progressBar = ProgressBarObserver.Available;
            if (progressBar)
                observers.Insert(0, new ProgressBarObserver());
            var launcher = services.Launcher(progressBar ? ConsoleOutput.ProgressBar : ConsoleOutput.Lines);
            var observer = new ObserverList([.. observers]);

            string? run = parse.GetValue(resume);
            if (run == null && parse.GetValue(force))
                throw UserFacingException.Refused("--force only applies with --resume.");
            string? exactFolder = parse.GetValue(runDir);
            if (exactFolder != null && run != null)
                throw UserFacingException.Refused("--run-dir names a new run; --resume continues an existing one. Give one of them.");
            if (exactFolder != null && (set["--name"].WasGiven(parse) || set["--runs-dir"].WasGiven(parse)))
                throw UserFacingException.Refused("--run-dir names the run's folder itself; leave out --name and --runs-dir, which choose a folder under --runs-dir.");
            if (exactFolder != null && string.IsNullOrWhiteSpace(exactFolder))
                throw UserFacingException.Refused("--run-dir must name a folder.");
            if (exactFolder != null && (Directory.Exists(exactFolder) || File.Exists(exactFolder)))
                throw UserFacingException.Refused($"--run-dir: {exactFolder} already exists; continue it with --resume {exactFolder}.");
            RunResult result = run != null
                ? launcher.Resume(run, saved => set.ForResume(parse, saved), parse.GetValue(force), stop, observer)
                : exactFolder != null
                    ? launcher.StartIn(exactFolder, set.Read(parse), stop, observer)
                    : launcher.Start(set.Read(parse), stop, observer);
            return Task.FromResult(result.Outcome switch
            {
                TrainingOutcome.Completed => ExitCodes.Success,
                TrainingOutcome.Interrupted => ExitCodes.Interrupted,
                _ => ExitCodes.Failed,
            });
        });
    }
}
