using System.Globalization;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Sweeps;

/// <summary>
/// A new sweep worked out from the command line: the base arguments (every training option given), the grid of
/// --vary values × seeds, and each member's complete argument list, checked by the same parser and rules as
/// `train` before anything is created.
/// </summary>
public sealed class SweepPlan
{
    /// <summary>Members at once by default: measured best on 2 cores (docs/sweeps.md).</summary>
    public static int DefaultJobs => Math.Max(1, Environment.ProcessorCount);

    public static int ThreadsFor(int jobs) => Math.Max(1, Environment.ProcessorCount / jobs);

    /// <summary>The most members a sweep may have: the largest job array a Slurm cluster accepts by default
    /// (MaxArraySize 1001, so task ids up to 1000). Each member is a training run of minutes to hours, so a grid
    /// larger than this is almost always a typing slip (--vary lr=… pasted twice over); a study that truly needs
    /// more is several sweeps. Planning 1000 members takes well under a second and sweep.json stays below 2 MB.</summary>
    public const int MaxMembers = 1000;

    public required SweepFile Sweep { get; init; }
    public required string RunsDir { get; init; }
    public required ITrainArguments Arguments { get; init; }

    public TrainOptions OptionsOf(SweepMember member) => Parse(Arguments, member);

    /// <summary>The training options given on the command line, in the words of the command line: the base options
    /// they make, and each given option's flag and tokens.</summary>
    public sealed record GivenOptions(TrainOptions Options, IReadOnlyList<(string Key, IReadOnlyList<string> Tokens)> Given);

    public static SweepPlan Build(ITrainArguments arguments, GivenOptions given, string[] varyTokens, string? seedsText, int jobs)
    {
        var baseOptions = given.Options;
        var axes = varyTokens.Select(t => Axis(arguments, t)).ToList();
        if (axes.GroupBy(a => a.Option).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw UserFacingException.Refused($"--vary {twice.Key} is given twice; list all its values once: --vary {twice.Key}=a,b.");
        if (seedsText != null && given.Given.Any(g => g.Key == SweepFile.SeedKey))
            throw UserFacingException.Refused("give --seeds or --seed, not both.");
        List<long> seeds = seedsText == null ? [baseOptions.Seed] : ParseSeeds(seedsText);
        // Counted before the grid is built: a 1000 × 1000 grid would take a minute and gigabytes only to be refused.
        var size = axes.Aggregate(new System.Numerics.BigInteger(seeds.Count), (n, a) => n * a.Values.Count);
        if (size > MaxMembers)
            throw UserFacingException.Refused(
                $"the grid is {string.Join(" × ", axes.Select(a => a.Values.Count).Append(seeds.Count))} (values × seeds) = {size} members; " +
                $"a sweep has at most {MaxMembers} (split the study into several sweeps).");
        // Where the sweep goes and its label are not part of any member's arguments, so the member checks miss them.
        if ((TrainOptions.Defaults with { RunsDir = baseOptions.RunsDir, Name = baseOptions.Name }).Problem() is { } problem)
            throw UserFacingException.Refused(problem);
        int threads = given.Given.Any(g => g.Key == "threads") ? baseOptions.Threads : ThreadsFor(jobs);

        var varied = axes.Select(a => a.Option).ToHashSet();
        var baseArgs = new List<string>();
        foreach (var (key, tokens) in given.Given)
        {
            if (varied.Contains(key) || key is "seed" or "threads")
                continue;
            baseArgs.Add("--" + key);
            baseArgs.AddRange(tokens);
        }

        var members = new List<SweepMember>();
        var trains = new Dictionary<string, string>();
        foreach (var combination in Cross(axes))
            foreach (long seed in seeds)
            {
                var settings = new Dictionary<string, string>();
                var args = new List<string>(baseArgs);
                foreach (var (axis, value) in combination)
                {
                    settings[axis.Option] = value;
                    var (flag, isSwitch) = arguments.Varied(axis.Option)!.Value;
                    if (!isSwitch)
                        args.AddRange([flag, value]);
                    else if (value == "on")
                        args.Add(flag);
                }
                settings[SweepFile.SeedKey] = seed.ToString(CultureInfo.InvariantCulture);
                args.AddRange(["--seed", seed.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture)]);
                var member = new SweepMember { Folder = SweepFile.FolderOf(settings), Settings = settings, Args = args, Epochs = 0 };
                var options = Parse(arguments, member);
                // Here, not in every reading of sweep.json: a sweep planned for a GPU cluster is compared anywhere.
                if (DeviceChoice.Problem(options.Device) is { } device)
                    throw UserFacingException.Refused($"member {member.Folder}: {device}");
                // Values written differently can mean the same run (1e-4 and 1E-4, 0.001 and 1e-3).
                string run = arguments.RunIdentity(options);
                if (trains.TryGetValue(run, out string? twin))
                    throw UserFacingException.Refused($"members {twin} and {member.Folder} would train the same run; give values that differ.");
                trains[run] = member.Folder;
                members.Add(member with { Epochs = options.Epochs });
            }
        if (members.GroupBy(m => m.Folder).FirstOrDefault(g => g.Count() > 1) is { } same)
            throw UserFacingException.Refused($"two members would share the folder {same.Key}; give distinct values.");

        var sweep = new SweepFile
        {
            Name = baseOptions.Name ?? "", CreatedUtc = DateTime.UtcNow, BaseArgs = baseArgs, Grid = axes, Seeds = seeds,
            Jobs = jobs, ThreadsPerMember = threads, Members = members,
        };
        return new SweepPlan { Sweep = sweep, RunsDir = baseOptions.RunsDir, Arguments = arguments };
    }

    /// <summary>Creates runs/&lt;time&gt;-sweep[-name]/ with its sweep.json; returns the folder.</summary>
    public string Create(AtomicWriter writer)
    {
        string stem = Path.Combine(RunsDir, $"{DateTime.Now:yyyyMMdd-HHmmss}-sweep" + (Sweep.Name.Length > 0 ? "-" + Sweep.Name : ""));
        string dir = stem;
        for (int n = 2; Directory.Exists(dir); n++)
            dir = $"{stem}-{n}";
        Directory.CreateDirectory(dir);
        Sweep.Save(dir, writer);
        return Path.GetFullPath(dir);
    }

    /// <summary>A member's training options, from its arguments through the `train` parser and rules; any problem
    /// is refused naming the member.</summary>
    public static TrainOptions Parse(ITrainArguments arguments, SweepMember member)
    {
        try
        {
            return arguments.Parse(member.Args);
        }
        catch (UserFacingException e)
        {
            throw UserFacingException.Refused($"member {member.Folder}: {e.Message}");
        }
    }

    static SweepAxis Axis(ITrainArguments arguments, string token)
    {
        int eq = token.IndexOf('=');
        if (eq <= 0 || eq == token.Length - 1)
            throw UserFacingException.Refused($"--vary '{token}': write OPTION=v1,v2 (for example --vary hard=off,on).");
        string key = token[..eq].Trim().TrimStart('-');
        if (key == "seed")
            throw UserFacingException.Refused("--vary seed: give the seeds with --seeds 1,2,3.");
        if (arguments.Varied(key) is not { } option)
            throw UserFacingException.Refused($"--vary {key}: not a training option a sweep can vary (see --help for the options of train).");
        var values = token[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries).ToList();
        if (values.Any(v => v.Length == 0))
            throw UserFacingException.Refused($"--vary {key}: an empty value in '{token[(eq + 1)..]}'.");
        if (option.IsSwitch && values.FirstOrDefault(v => v is not ("on" or "off")) is { } bad)
            throw UserFacingException.Refused($"--vary {key}: a switch takes on or off, not '{bad}'.");
        if (values.Distinct().Count() != values.Count)
            throw UserFacingException.Refused($"--vary {key}: a value is listed twice.");
        return new SweepAxis(key, values);
    }

    static List<long> ParseSeeds(string text)
    {
        var seeds = new List<long>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
            seeds.Add(long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long s)
                ? s : throw UserFacingException.Refused($"--seeds: '{part}' is not a whole number."));
        if (seeds.Distinct().Count() != seeds.Count)
            throw UserFacingException.Refused("--seeds: a seed is listed twice.");
        return seeds;
    }

    static IEnumerable<List<(SweepAxis Axis, string Value)>> Cross(IReadOnlyList<SweepAxis> axes)
    {
        IEnumerable<List<(SweepAxis, string)>> result = [[]];
        foreach (var axis in axes)
            result = result.SelectMany(partial => axis.Values.Select(v => new List<(SweepAxis, string)>(partial) { (axis, v) }));
        return result;
    }
}
