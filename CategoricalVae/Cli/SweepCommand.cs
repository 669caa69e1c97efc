using System.CommandLine;
using CategoricalVae.Cli.Options;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using CategoricalVae.Training;

namespace CategoricalVae.Cli;

/// <summary>`sweep`: a grid of training options × seeds as ordinary runs in one sweep folder, trained here
/// (--jobs at a time) or planned for a scheduler (--plan-only: commands.txt and a Slurm job-array script).</summary>
public static class SweepCommand
{
    public static Command Create(CliServices services)
    {
        var set = new TrainOptionSet();
        var vary = new Option<string[]>("--vary")
        {
            Description = "OPTION=v1,v2,…: a training option by its long name without dashes (on/off for switches); repeat for a grid",
            HelpName = "option=values", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore,
        };
        var seeds = OptionValues.OptionalText("--seeds", "Comma-separated seeds, each member of the grid once per seed (default: --seed)", "n,n,…");
        var jobs = OptionValues.Int("--jobs", $"Members trained at once; each gets cores/jobs libtorch threads unless --threads is given (default: {SweepPlan.DefaultJobs})");
        jobs.DefaultValueFactory = _ => SweepPlan.DefaultJobs;
        var planOnly = OptionValues.Switch("--plan-only", "Only write the sweep folder, commands.txt and slurm-array.sh (run them with a scheduler)");
        var slurmLimit = OptionValues.OptionalInt("--slurm-limit", "With --plan-only: at most N array tasks at once (sbatch's %N)");
        var resume = OptionValues.OptionalText("--resume", "Finish the sweep in this folder: skip complete members, continue interrupted ones, retry failed ones", "sweep-folder");
        var command = new Command("sweep", "Train a grid of configurations × seeds; `compare <sweep folder>` then shows means with error bars")
        {
            vary, seeds, jobs, planOnly, slurmLimit, resume,
        };
        foreach (var b in set.Bindings)
            command.Options.Add(b.Option);
        command.SetAction((parse, _) =>
        {
            // Listening from the first moment: a stop while the plan is checked ends with 130 too.
            using var stop = StopSignal.ListenToConsole();
            int jobCount = parse.GetValue(jobs);
            if (jobCount is < 1 or > TrainOptions.MaxThreads)
                throw UserFacingException.Refused($"--jobs must be between 1 and {TrainOptions.MaxThreads} (got {jobCount}).");
            string? resumeDir = parse.GetValue(resume);
            if (resumeDir != null)
            {
                if (parse.GetResult(vary) != null || parse.GetResult(seeds) != null || parse.GetValue(planOnly) || set.Given(parse).Any(b => b.Role != ResumeRole.Session))
                    throw UserFacingException.Refused("sweep --resume takes only --jobs and session options (--threads, --device, --data-dir, --offline); the grid and the rest are in sweep.json.");
                var session = set.Given(parse).Where(b => b.Key != "threads").ToList();
                return Task.FromResult(Resume(services, new TrainArguments(set), resumeDir, parse.GetResult(jobs) is { Implicit: false } ? jobCount : null, ThreadsGiven(parse, set),
                    o => session.Aggregate(o, (acc, b) => b.ApplyGiven(parse, acc)), stop));
            }
            var arguments = new TrainArguments(set);
            var plan = SweepPlan.Build(arguments, arguments.Given(parse), parse.GetValue(vary) ?? [], parse.GetValue(seeds), jobCount);
            if (stop.Requested)
                return Task.FromResult(Stopped());
            if (parse.GetValue(planOnly))
                return Task.FromResult(PlanOnly(services, plan, parse.GetValue(slurmLimit)));
            string dir = plan.Create(services.Writer);
            using var held = LockFile.Take(new SweepLayout(dir).LockFile, dir, "sweep");
            return Task.FromResult(Train(services, dir, plan.Sweep, plan.OptionsOf, stop));
        });
        return command;
    }

    static int? ThreadsGiven(ParseResult parse, TrainOptionSet set) =>
        set.Find("threads") is { } b && b.WasGiven(parse) ? b.ApplyGiven(parse, TrainOptions.Defaults).Threads : null;

    static int PlanOnly(CliServices services, SweepPlan plan, int? limit)
    {
        if (limit is < 1) throw UserFacingException.Refused($"--slurm-limit must be at least 1 (got {limit}).");
        string dir = plan.Create(services.Writer);
        var scripts = new SchedulerScripts(dir, plan.Sweep);
        services.Writer.WriteText(Path.Combine(dir, SweepFile.CommandsName), scripts.Commands());
        services.Writer.WriteText(Path.Combine(dir, SweepFile.SlurmScriptName), scripts.SlurmArray(limit));
        Console.WriteLine($"Planned {plan.Sweep.Members.Count} members in {dir}");
        Console.WriteLine($"  {SweepFile.CommandsName}: one training command per member");
        Console.WriteLine($"  {SweepFile.SlurmScriptName}: sbatch {Path.Combine(dir, SweepFile.SlurmScriptName)}");
        Console.WriteLine($"Then: sweep --resume {dir} (finishes what the scheduler did not) and compare {dir}");
        return ExitCodes.Success;
    }

    static int Resume(CliServices services, ITrainArguments arguments, string dir, int? jobs, int? threads, Func<TrainOptions, TrainOptions> sessionNow, StopSignal stop)
    {
        if (string.IsNullOrWhiteSpace(dir) || !Directory.Exists(dir)) throw UserFacingException.Refused($"sweep --resume: '{dir}' is not a folder.");
        if (!SweepFile.IsSweep(dir)) throw UserFacingException.Refused($"sweep --resume: {dir} has no {SweepFile.FileName} (not a sweep folder).");
        var checkedSweep = CheckedSweep.Open(dir, arguments);
        int newJobs = jobs ?? checkedSweep.Sweep.Jobs;
        int perMember = threads ?? (jobs != null ? SweepPlan.ThreadsFor(newJobs) : checkedSweep.Sweep.ThreadsPerMember);
        var sweep = checkedSweep.Sweep with { Jobs = newJobs, ThreadsPerMember = perMember };
        var options = sweep.Members.Zip(checkedSweep.Options).ToDictionary(p => p.First.Folder, p => sessionNow(p.Second) with { Threads = perMember });
        foreach (var o in options.Values)
            if ((o.Problem() ?? DeviceChoice.Problem(o.Device)) is { } problem)
                throw UserFacingException.Refused($"sweep --resume: {problem}");
        // One process trains a sweep at a time: the lock is claimed atomically, so of two resumes started together
        // exactly one goes on, and the other is refused before it changes anything.
        using var held = LockFile.Take(new SweepLayout(dir).LockFile, dir, "sweep");
        foreach (var m in sweep.Members)
            if (RunDirectory.LiveOwner(checkedSweep.MemberFolder(m)) is { } owner)
                throw UserFacingException.Refused($"sweep --resume: member {m.Folder} is being trained by {owner.Describe()}; wait for it or stop it first.");
        return Train(services, dir, sweep, m => options[m.Folder], stop);
    }

    static int Stopped()
    {
        Console.Error.WriteLine("sweep stopped by request before it started; nothing written.");
        return ExitCodes.Interrupted;
    }

    static int Train(CliServices services, string dir, SweepFile sweep, Func<SweepMember, TrainOptions> optionsOf, StopSignal stop)
    {
        Console.WriteLine($"Sweep {dir}: {sweep.Members.Count} members, {sweep.Jobs} at a time with {sweep.ThreadsPerMember} threads each");
        if (sweep.Jobs * sweep.ThreadsPerMember > Environment.ProcessorCount)
            Console.Error.WriteLine($"warning: {sweep.Jobs} members × {sweep.ThreadsPerMember} threads is more than the {Environment.ProcessorCount} cores; members will wait for each other (leave out --threads to split the cores).");
        var runner = new SweepRunner(services.Launcher(ConsoleOutput.None), services.Writer, optionsOf)
        {
            Say = line => { lock (Console.Out) Console.WriteLine(line); },
            ShowBar = !Console.IsOutputRedirected,
        };
        var outcome = runner.Run(dir, sweep, stop);
        Console.WriteLine($"Sweep {dir}: {outcome.Done}/{outcome.Total} done, {outcome.Failed} failed, {outcome.Interrupted} not finished");
        if (outcome.Interrupted > 0 || stop.Requested)
        {
            Console.WriteLine($"Stopped by request; continue with: sweep --resume {dir}");
            return ExitCodes.Interrupted;
        }
        if (outcome.Failed > 0)
        {
            Console.Error.WriteLine($"error: {outcome.Failed} member(s) failed (see {SweepFile.FileName}); sweep --resume {dir} retries them.");
            return ExitCodes.Failed;
        }
        Console.WriteLine($"Compare with: compare {dir}");
        return ExitCodes.Success;
    }
}
