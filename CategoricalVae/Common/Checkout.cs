namespace CategoricalVae.Common;

/// <summary>
/// Where the default runs/ and data/ folders are: at the top of the checkout (the folder holding
/// CategoricalVae.sln) when the app is started from anywhere inside one, so `dotnet run` from the project folder
/// writes where the README says; else in the working directory. Paths given explicitly stay relative to the
/// working directory.
/// </summary>
public static class Checkout
{
    public const string SolutionFile = "CategoricalVae.sln";

    /// <summary>The checkout around <paramref name="startDir"/>, or null.</summary>
    public static string? Root(string startDir)
    {
        try
        {
            for (var dir = new DirectoryInfo(startDir); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                    return dir.FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException) { }
        return null;
    }

    /// <summary>The default location of a top-level folder such as "runs" or "data".</summary>
    public static string DefaultFolder(string name) =>
        Root(Environment.CurrentDirectory) is { } root ? Path.Combine(root, name) : name;
}
