using CategoricalVae.Common;
using CategoricalVae.Runs;

namespace CategoricalVae.Sweeps;

/// <summary>
/// A sweep folder read and checked before `sweep --resume` or `compare` use it, since sweep.json may have been
/// edited by hand: <see cref="SweepFile.Load"/>'s rules (plain, unique member folders, a bounded size), every
/// member's arguments through the `train` parser and rules, its recorded epochs as its arguments say, no two members
/// training the same run, and every member folder that already holds a config.json holding that member's run (the
/// same run-defining options; more epochs are allowed: a member extended with --resume). Any problem is refused
/// (exit 2) naming the member, before anything is changed.
/// </summary>
public sealed class CheckedSweep
{
    CheckedSweep(string folder, SweepFile sweep, IReadOnlyList<TrainOptions> options) => (Folder, Sweep, Options) = (folder, sweep, options);

    public string Folder { get; }
    public SweepFile Sweep { get; }

    /// <summary>Each member's training options, in the order of <see cref="SweepFile.Members"/>.</summary>
    public IReadOnlyList<TrainOptions> Options { get; }

    public string MemberFolder(SweepMember member) => Path.Combine(Folder, member.Folder);

    public static CheckedSweep Open(string folder, ITrainArguments arguments)
    {
        var sweep = SweepFile.Load(folder);
        var options = new List<TrainOptions>();
        var runs = new Dictionary<string, string>();
        foreach (var member in sweep.Members)
        {
            var o = SweepPlan.Parse(arguments, member);
            if (o.Epochs != member.Epochs)
                throw UserFacingException.Refused($"member {member.Folder}: {SweepFile.FileName} records {member.Epochs} epochs, but its arguments train {o.Epochs}.");
            string run = arguments.RunIdentity(o.Normalized());
            if (runs.TryGetValue(run, out string? twin))
                throw UserFacingException.Refused($"members {twin} and {member.Folder} train the same run; a sweep lists each run once.");
            runs[run] = member.Folder;
            if (ForeignRun(arguments, Path.Combine(folder, member.Folder), run) is { } difference)
                throw UserFacingException.Refused(
                    $"member {member.Folder}: its folder holds another run ({difference}); move that folder away, or restore the member's own.");
            options.Add(o);
        }
        return new CheckedSweep(folder, sweep, options);
    }

    /// <summary>How the run in <paramref name="runFolder"/> differs from <paramref name="identity"/>, or null when it is
    /// that run or there is none to judge (no folder, no config.json, or one that cannot be read: resuming repairs or
    /// reports it, compare notes it).</summary>
    static string? ForeignRun(ITrainArguments arguments, string runFolder, string identity)
    {
        string configFile = new RunLayout(runFolder).ConfigFile;
        if (!File.Exists(configFile))
            return null;
        RunConfig config;
        try
        {
            config = RunConfig.Load(configFile);
        }
        catch (UserFacingException)
        {
            return null;
        }
        string has = arguments.RunIdentity(config.Options.Normalized());
        if (has == identity)
            return null;
        // Identities are "--name=value" words in a fixed order: name the first that differs.
        var (wanted, found) = identity.Split(' ').Zip(has.Split(' ')).FirstOrDefault(p => p.First != p.Second);
        return wanted == null ? "other options" : $"{found} in its {RunLayout.ConfigName}, {wanted} in {SweepFile.FileName}";
    }
}
