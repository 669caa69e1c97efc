namespace CategoricalVae.Tests;

/// <summary>Test categories: `dotnet test --filter Category=Unit` runs the fast in-process tests only.</summary>
public static class Category
{
    /// <summary>In-process, no network, no child processes; seconds in all.</summary>
    public const string Unit = "Unit";

    /// <summary>Runs the real executable or reaches the network (the real MNIST fetch).</summary>
    public const string EndToEnd = "EndToEnd";
}
