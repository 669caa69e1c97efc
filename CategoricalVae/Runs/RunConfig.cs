using System.Text.Json;
using System.Text.Json.Serialization;
using CategoricalVae.Common;

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

    /// <summary>For a run made by `import`: where its weights came from. Absent from trained runs' config.json.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImportSource? Imported { get; init; }

    /// <summary>The OpenMP settings libtorch ran with (GOMP_SPINCOUNT, OMP_WAIT_POLICY, OMP_NUM_THREADS), as
    /// far as they were set; they change speed, not results.</summary>
    public Dictionary<string, string> OpenMp { get; init; } = [];

    public void Save(string path, AtomicWriter writer) => writer.WriteText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>The run-defining options every version of config.json has written. One missing would silently become
    /// today's default (another seed, another model) on resume, so it is refused; options added later default to what
    /// runs did before they existed.</summary>
    static readonly string[] AlwaysWritten =
    [
        "epochs", "batch_size", "learning_rate", "hard", "temperature", "temp_min", "anneal_rate", "anneal_every",
        "anneal_schedule", "latent_dim", "categories", "relu_on_logits", "seed", "train_limit", "test_limit", "tensor_board",
    ];

    /// <summary>Reads config.json; anything unreadable, a run-defining option missing, or options that break a rule,
    /// is refused (exit 2).</summary>
    public static RunConfig Load(string path)
    {
        RunConfig? config;
        try
        {
            string text = RegularFile.ReadAllText(path);
            if (System.Text.Json.Nodes.JsonNode.Parse(text) is System.Text.Json.Nodes.JsonObject root
                && root["options"] is System.Text.Json.Nodes.JsonObject options
                && AlwaysWritten.FirstOrDefault(key => !options.ContainsKey(key)) is { } missing)
                throw UserFacingException.Refused($"{path}: options.{missing} is missing; a run's config.json names every setting it was trained with (restore it, or start a new run).");
            config = JsonSerializer.Deserialize<RunConfig>(text, Json);
        }
        catch (JsonException e)
        {
            // JsonException's message names .NET types (System.Int32, CategoricalVae.Runs.RunConfig); say where instead.
            string where = e.Path is { Length: > 2 } p ? $" at {p[2..]}" : "";
            string line = e.LineNumber is { } l ? $", line {l + 1}" : "";
            throw UserFacingException.Refused($"{path}: cannot read the run's configuration (a value{where}{line} is missing, malformed or of the wrong type).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw UserFacingException.Refused($"{path}: cannot read the run's configuration ({e.Message.Split('\n')[0]}).");
        }
        if (config == null)
            throw UserFacingException.Refused($"{path}: empty configuration.");
        if (config.Options == null)
            throw UserFacingException.Refused($"{path}: has no options.");
        if (config.Options.Problem() is { } problem)
            throw UserFacingException.Refused($"{path}: the stored options break a rule: {problem}");
        return config;
    }

    /// <summary>The commit of the program running now: of the checkout it was built in, else of the working directory's.</summary>
    public static string? CurrentGitCommit() => FindGitCommit(AppContext.BaseDirectory) ?? FindGitCommit(Environment.CurrentDirectory);

    /// <summary>The commit of the git checkout around <paramref name="startDir"/>, read from .git without running
    /// git. A .git file (a worktree or a submodule) names the real git folder; a worktree's branches live in the
    /// main repository's, which its "commondir" file names.</summary>
    public static string? FindGitCommit(string startDir)
    {
        try
        {
            for (var dir = new DirectoryInfo(startDir); dir != null; dir = dir.Parent)
            {
                string git = Path.Combine(dir.FullName, ".git");
                if (File.Exists(git))
                {
                    string pointer = File.ReadAllText(git).Trim();
                    if (!pointer.StartsWith("gitdir: ", StringComparison.Ordinal))
                        return null;
                    git = Path.GetFullPath(pointer[8..], dir.FullName);
                }
                else if (!Directory.Exists(git))
                    continue;
                string head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
                if (!head.StartsWith("ref: ", StringComparison.Ordinal))
                    return head;
                string common = File.Exists(Path.Combine(git, "commondir"))
                    ? Path.GetFullPath(File.ReadAllText(Path.Combine(git, "commondir")).Trim(), git)
                    : git;
                return ReadRef(git, head[5..]) ?? (common == git ? null : ReadRef(common, head[5..]));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    static string? ReadRef(string git, string refName)
    {
        string loose = Path.Combine(git, refName);
        if (File.Exists(loose))
            return File.ReadAllText(loose).Trim();
        string packed = Path.Combine(git, "packed-refs");
        return File.Exists(packed)
            ? File.ReadLines(packed).Select(l => l.Split(' ')).FirstOrDefault(p => p.Length == 2 && p[1] == refName)?[0]
            : null;
    }
}
