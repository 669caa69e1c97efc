namespace CategoricalVae.Sweeps;

/// <summary>One run of a sweep: its folder (inside the sweep folder), the training arguments that define it, and how it went.</summary>
public sealed record SweepMember
{
    /// <summary>Folder name, made from the settings: hard-on_anneal-rate-1e-4_seed-2.</summary>
    public required string Folder { get; init; }

    /// <summary>The varied settings and the seed, as given: {"hard": "on", "anneal-rate": "1e-4", "seed": "2"}.</summary>
    public required Dictionary<string, string> Settings { get; init; }

    /// <summary>The complete training arguments of the member (without its folder): the same for a local sweep and
    /// for commands.txt.</summary>
    public required List<string> Args { get; init; }

    /// <summary>Epochs the member trains: it is complete when its metrics.csv has this many rows.</summary>
    public required int Epochs { get; init; }

    public MemberStatus Status { get; init; } = MemberStatus.Pending;
    public string? Error { get; init; }
    public DateTime? StartedUtc { get; init; }
    public DateTime? FinishedUtc { get; init; }
    public double? FinalTestLoss { get; init; }

    /// <summary>The configuration the member belongs to: its settings without the seed.</summary>
    public string Configuration => SweepFile.ConfigurationOf(Settings);
}
