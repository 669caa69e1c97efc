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
    public const string FileName = "sweep.json";
    public const string CommandsName = "commands.txt";
    public const string SlurmScriptName = "slurm-array.sh";
    public const string SeedKey = "seed";

    public required string Name { get; init; }
    public required DateTime CreatedUtc { get; init; }
    public required List<string> BaseArgs { get; init; }
    public required List<SweepAxis> Grid { get; init; }
    public required List<long> Seeds { get; init; }
    public required int Jobs { get; init; }
    public required int ThreadsPerMember { get; init; }
    public required List<SweepMember> Members { get; init; }

    public static string PathIn(string sweepDir) => Path.Combine(sweepDir, FileName);

    public static bool IsSweep(string folder) => File.Exists(PathIn(folder));

    public void Save(string sweepDir, AtomicWriter writer) => writer.WriteText(PathIn(sweepDir), JsonSerializer.Serialize(this, RunConfig.Json));

    public static SweepFile Load(string sweepDir)
    {
        string path = PathIn(sweepDir);
        try
        {
            var sweep = JsonSerializer.Deserialize<SweepFile>(File.ReadAllText(path), RunConfig.Json);
            if (sweep?.Members == null || sweep.Members.Count == 0)
                throw UserFacingException.Refused($"{path}: lists no members.");
            return sweep;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw UserFacingException.Refused($"{path}: cannot read the sweep ({e.Message.Split('\n')[0]}).");
        }
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
