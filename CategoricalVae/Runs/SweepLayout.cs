namespace CategoricalVae.Runs;

/// <summary>
/// The files a sweep folder holds beside its members' run folders: the only place their names are spelled
/// (docs/sweeps.md describes them). The sweep's members are ordinary run folders (<see cref="RunLayout"/>).
/// </summary>
public sealed class SweepLayout(string folder)
{
    public const string SweepFileName = "sweep.json";
    public const string CommandsName = "commands.txt";
    public const string SlurmScriptName = "slurm-array.sh";

    /// <summary>Held by the process training the sweep, so a second `sweep --resume` is refused.</summary>
    public const string LockName = "sweep.lock";

    public string Folder { get; } = folder;
    public string SweepFile => Path.Combine(Folder, SweepFileName);
    public string CommandsFile => Path.Combine(Folder, CommandsName);
    public string SlurmScript => Path.Combine(Folder, SlurmScriptName);
    public string LockFile => Path.Combine(Folder, LockName);

    /// <summary>True when the folder holds a sweep.json (anything else about it is checked when it is read).</summary>
    public bool IsSweep => File.Exists(SweepFile);

    /// <summary>True for the names of the sweep's own files and their temp files (a command's output may not take
    /// them inside a sweep folder: <see cref="OutputPath"/>).</summary>
    public static bool Owns(string fileName)
    {
        string name = fileName.EndsWith(".tmp", StringComparison.Ordinal) ? fileName[..^4] : fileName;
        return name is SweepFileName or CommandsName or SlurmScriptName || name.StartsWith(LockName, StringComparison.Ordinal);
    }
}
