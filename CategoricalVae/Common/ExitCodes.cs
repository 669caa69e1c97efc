namespace CategoricalVae.Common;

/// <summary>The exit codes of every command (docs/guarantees.md has the table).</summary>
public static class ExitCodes
{
    /// <summary>The work was done.</summary>
    public const int Success = 0;

    /// <summary>The work was started but could not be finished: a full disk, bad data files, a numerical fault,
    /// a failed sweep member. What was written before stays valid.</summary>
    public const int Failed = 1;

    /// <summary>The request was refused before anything changed: a bad option or value, a folder that is not a
    /// run, damaged state without --force, a run locked by another process.</summary>
    public const int Refused = 2;

    /// <summary>Stopped by Ctrl+C or SIGTERM; a run checkpointed first, an evaluation wrote nothing.</summary>
    public const int Interrupted = 130;
}
