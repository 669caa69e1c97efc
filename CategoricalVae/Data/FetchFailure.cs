namespace CategoricalVae.Data;

/// <summary>Why a source could not provide a file. <paramref name="NoSpace"/> marks a full disk, which no other
/// source can get round: the final error then says so and where, instead of suggesting other sources.</summary>
public sealed record FetchFailure(string Message, bool NoSpace = false)
{
    public static FetchFailure From(MnistFile file, Exception e, string dataDir) =>
        Common.NoSpace.Is(e)
            ? new FetchFailure($"{file.Name}: no space left on the device holding {dataDir}", NoSpace: true)
            : new FetchFailure($"{file.Name}: {e.Message}");
}
