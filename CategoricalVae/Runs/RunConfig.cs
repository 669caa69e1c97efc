using System.Text.Json;
using System.Text.Json.Serialization;
using CategoricalVae.Training;

namespace CategoricalVae.Runs;

/// <summary>config.json: the options and the environment a run was started with.</summary>
public sealed record RunConfig
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public required TrainOptions Options { get; init; }
    public required string Device { get; init; }
    public required int Threads { get; init; }
    public required string TorchSharpVersion { get; init; }
    public required string LibTorchVersion { get; init; }
    public required string Machine { get; init; }
    public string? GitCommit { get; init; }
    public required DateTime StartTimeUtc { get; init; }
    public List<DateTime> ResumedAtUtc { get; init; } = [];

    public void Save(string path) => AtomicFile.WriteText(path, JsonSerializer.Serialize(this, Json));

    public static RunConfig Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunConfig>(File.ReadAllText(path), Json)
                   ?? throw new UserFacingException($"{path}: empty configuration.", 2);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{path}: cannot read the run's configuration ({e.Message.Split('\n')[0]}).", 2);
        }
    }

    /// <summary>The commit of the git checkout around the current folder, read from .git without running git.</summary>
    public static string? FindGitCommit(string startDir)
    {
        try
        {
            for (var dir = new DirectoryInfo(startDir); dir != null; dir = dir.Parent)
            {
                string git = Path.Combine(dir.FullName, ".git");
                if (!Directory.Exists(git))
                    continue;
                string head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
                if (!head.StartsWith("ref: ", StringComparison.Ordinal))
                    return head;
                string refName = head[5..];
                string loose = Path.Combine(git, refName);
                if (File.Exists(loose))
                    return File.ReadAllText(loose).Trim();
                string packed = Path.Combine(git, "packed-refs");
                return File.Exists(packed)
                    ? File.ReadLines(packed).Select(l => l.Split(' ')).FirstOrDefault(p => p.Length == 2 && p[1] == refName)?[0]
                    : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
