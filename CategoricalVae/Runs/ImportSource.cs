namespace CategoricalVae.Runs;

/// <summary>Where an imported run's weights came from (config.json's "imported"): the file, and what the JSON
/// written beside it by `export` said, when there was one.</summary>
public sealed record ImportSource
{
    /// <summary>The weights file as given, made absolute.</summary>
    public required string File { get; init; }

    /// <summary>"pt" or "safetensors".</summary>
    public required string Format { get; init; }

    public required string Sha256 { get; init; }

    /// <summary>The exported run's name and commit, from the JSON beside the weights (null without one).</summary>
    public string? Run { get; init; }
    public string? RunGitCommit { get; init; }
    public int? EpochsCompleted { get; init; }

    /// <summary>Tensors that were not float32 in the file and were converted, as "fc1.weight float64", …</summary>
    public List<string> Converted { get; init; } = [];
}
