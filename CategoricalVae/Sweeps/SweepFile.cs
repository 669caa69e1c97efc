using System.Text.Json;
using CategoricalVae.Common;
using CategoricalVae.Runs;

namespace CategoricalVae.Sweeps;

/// <summary>
/// sweep.json: the base arguments, the grid, the seeds and every member with its status. A sweep folder holds it
/// and one ordinary run folder per member, so it is also a TensorBoard logdir whose runs are named by their settings.
/// </summary>
public sealed record SweepFile
{
    public const string FileName = SweepLayout.SweepFileName;
    public const string CommandsName = SweepLayout.CommandsName;
    public const string SlurmScriptName = SweepLayout.SlurmScriptName;
    public const string SeedKey = "seed";

    public required string Name { get; init; }
    public required DateTime CreatedUtc { get; init; }
    public required List<string> BaseArgs { get; init; }
    public required List<SweepAxis> Grid { get; init; }
    public required List<long> Seeds { get; init; }
    public required int Jobs { get; init; }
    public required int ThreadsPerMember { get; init; }
    public required List<SweepMember> Members { get; init; }

    public static string PathIn(string sweepDir) => new SweepLayout(sweepDir).SweepFile;

    public static bool IsSweep(string folder) => new SweepLayout(folder).IsSweep;

    public void Save(string sweepDir, AtomicWriter writer) => writer.WriteText(PathIn(sweepDir), JsonSerializer.Serialize(this, RunConfig.Json));

    /// <summary>Reads sweep.json. Anything unreadable is refused (exit 2), as is a member whose folder is not a plain
    /// name inside the sweep folder (it would train elsewhere) or is listed twice (it would count twice), and a sweep
    /// larger than <see cref="SweepPlan.MaxMembers"/>. The members' arguments are checked by <see cref="CheckedSweep"/>.</summary>
    public static SweepFile Load(string sweepDir)
    {
        string path = PathIn(sweepDir);
        SweepFile? sweep;
        try
        {
            sweep = JsonSerializer.Deserialize<SweepFile>(RegularFile.ReadAllText(path), RunConfig.Json);
        }
        catch (JsonException e)
        {
            // JsonException's message names .NET types (CategoricalVae.Sweeps.SweepMember); say where instead.
            string where = e.Path is { Length: > 2 } p ? $" at {p[2..]}" : "";
            string line = e.LineNumber is { } l ? $", line {l + 1}" : "";
            throw UserFacingException.Refused($"{path}: cannot read the sweep (a value{where}{line} is missing, malformed or of the wrong type).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw UserFacingException.Refused($"{path}: cannot read the sweep ({e.Message.Split('\n')[0]}).");
        }
        if (sweep?.Members == null || sweep.Members.Count == 0)
            throw UserFacingException.Refused($"{path}: lists no members.");
        if (sweep.Members.Count > SweepPlan.MaxMembers)
            throw UserFacingException.Refused($"{path}: lists {sweep.Members.Count} members; a sweep has at most {SweepPlan.MaxMembers}.");
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < sweep.Members.Count; i++)
        {
            var m = sweep.Members[i];
            if (m == null || m.Args == null || m.Settings == null || m.Folder == null)
                throw UserFacingException.Refused($"{path}: member {i + 1} lacks its folder, settings or args.");
            if (FolderProblem(m.Folder) is { } problem)
                throw UserFacingException.Refused($"{path}: member {i + 1}'s folder '{Shown(m.Folder)}' {problem}; a member's folder is a plain name inside the sweep folder.");
            if (seen.TryGetValue(m.Folder, out int first))
                throw UserFacingException.Refused($"{path}: members {first + 1} and {i + 1} both name the folder {m.Folder}; each member has its own.");
            seen[m.Folder] = i;
        }
        return sweep;
    }

    /// <summary>Why <paramref name="folder"/> is not a plain folder name, or null.</summary>
    static string? FolderProblem(string folder) =>
        folder.Length == 0 ? "is empty"
        : folder is "." or ".." ? "is not a folder of its own"
        : folder.Any(c => c is '/' or '\\' || char.IsControl(c)) ? "holds a path separator or a control character"
        : System.Text.Encoding.UTF8.GetByteCount(folder) > 255 ? "is longer than a file name may be"
        : null;

    static string Shown(string s)
    {
        string visible = string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return visible.Length > 80 ? visible[..80] + "…" : visible;
    }

    /// <summary>A member's status as its folder shows it now (a scheduler may have run it since sweep.json was
    /// written): done when every epoch has its metrics row and no process holds the folder.</summary>
    public MemberStatus CurrentStatus(string sweepDir, SweepMember member)
    {
        string folder = Path.Combine(sweepDir, member.Folder);
        if (!Directory.Exists(folder))
            return member.Status == MemberStatus.Failed ? MemberStatus.Failed : MemberStatus.Pending;
        if (RunDirectory.LiveOwner(folder) != null)
            return MemberStatus.Running;
        var layout = new RunLayout(folder);
        int rows = File.Exists(layout.MetricsFile) ? MetricsCsv.Read(layout.MetricsFile).Count : 0;
        if (rows >= member.Epochs && File.Exists(layout.CheckpointFile))
            return MemberStatus.Done;
        return member.Status == MemberStatus.Failed ? MemberStatus.Failed : MemberStatus.Pending;
    }

    /// <summary>"hard-on_anneal-rate-1e-4": the settings without the seed, in grid order.</summary>
    public static string ConfigurationOf(IReadOnlyDictionary<string, string> settings)
    {
        var parts = settings.Where(kv => kv.Key != SeedKey).Select(kv => $"{kv.Key}-{Safe(kv.Value)}").ToList();
        return parts.Count == 0 ? "base" : string.Join('_', parts);
    }

    /// <summary>The member folder name: the configuration and the seed.</summary>
    public static string FolderOf(IReadOnlyDictionary<string, string> settings) =>
        (settings.Count == 1 ? "" : ConfigurationOf(settings) + "_") + $"{SeedKey}-{Safe(settings[SeedKey])}";

    static string Safe(string value) => new(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' ? c : '-').ToArray());
}
