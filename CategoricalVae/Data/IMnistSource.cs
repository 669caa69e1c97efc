namespace CategoricalVae.Data;

/// <summary>A place MNIST files can be fetched from. Implementations write only verified content to final names.</summary>
public interface IMnistSource
{
    /// <summary>Shown on the console when this source is tried.</summary>
    string Description { get; }

    /// <summary>Tries to place each of <paramref name="missing"/> in <paramref name="dataDir"/> (raw or .gz name).
    /// Returns the files it could not provide, and why, for the final error message.</summary>
    Task<IReadOnlyList<FetchFailure>> FetchAsync(IReadOnlyList<MnistFile> missing, string dataDir, CancellationToken cancel);
}
