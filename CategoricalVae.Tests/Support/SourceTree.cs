namespace CategoricalVae.Tests;

/// <summary>The checkout the tests were built from (for tests that read the sources).</summary>
public static class SourceTree
{
    public static string Root { get; } = Find();

    public static string App => Path.Combine(Root, "CategoricalVae");

    /// <summary>The app's own .cs files (not bin/ or obj/).</summary>
    public static IEnumerable<string> AppSources() =>
        Directory.EnumerateFiles(App, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CategoricalVae.sln")))
                return dir.FullName;
        throw new InvalidOperationException("CategoricalVae.sln not found above " + AppContext.BaseDirectory);
    }
}
