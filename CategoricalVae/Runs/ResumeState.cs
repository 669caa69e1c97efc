using CategoricalVae.Training;

namespace CategoricalVae.Runs;

/// <summary>
/// Decides where a resumed run continues from, refusing damaged state with a specific message unless the
/// user passed --force, in which case the damaged file is kept as a backup before anything is rewritten.
/// </summary>
public static class ResumeState
{
    /// <summary>The checkpoint state to continue from, or null to start the run afresh (only with --force).</summary>
    public static CheckpointState? Check(RunDirectory run, TrainOptions options, bool force)
    {
        CheckpointState state;
        try
        {
            state = Checkpoint.Load(run.CheckpointFile);
        }
        catch (UserFacingException e) when (!force)
        {
            throw new UserFacingException($"{e.Message} Nothing was changed; --resume {run.Path} --force restarts this run from epoch 1 in place, keeping the bad files as *.damaged.", 2);
        }
        catch (UserFacingException)
        {
            Backup(run.CheckpointFile);
            Backup(run.MetricsFile);
            return null;
        }

        if (state.LatentDim != options.LatentDim || state.Categories != options.Categories || state.Hard != options.Hard)
            throw new UserFacingException(
                $"{run.CheckpointFile} was written for latent {state.LatentDim}×{state.Categories} {(state.Hard ? "hard" : "soft")}, " +
                $"but config.json says {options.LatentDim}×{options.Categories} {options.Mode}; the run folder is inconsistent.", 2);

        MetricsFile metrics = MetricsCsv.ReadWithNotes(run.MetricsFile);
        string[] damage = metrics.Notes.Where(n => n.Contains("incomplete") || n.Contains("unreadable") || n.Contains("lacks")).ToArray();
        if (damage.Length > 0 && File.Exists(run.MetricsFile))
        {
            if (!force)
                throw new UserFacingException(
                    $"{run.MetricsFile}: {string.Join("; ", damage)}. Nothing was changed; add --force to drop what cannot be read (a copy is kept as metrics.csv.damaged).", 2);
            Backup(run.MetricsFile, keepOriginal: true);
        }
        int missing = state.EpochsCompleted - metrics.Rows.Count(r => r.Epoch <= state.EpochsCompleted);
        if (missing > 0 && !force)
            throw new UserFacingException(
                $"{run.MetricsFile} has rows for {state.EpochsCompleted - missing} of the {state.EpochsCompleted} epochs in the checkpoint; add --force to continue with the rows it has.", 2);
        // Rows past the checkpoint come from a kill between the metrics write and the checkpoint write;
        // those epochs are recomputed identically, so dropping them loses nothing.
        MetricsCsv.TruncateTo(run.MetricsFile, state.EpochsCompleted);
        return state;
    }

    static void Backup(string path, bool keepOriginal = false)
    {
        if (!File.Exists(path))
            return;
        string backup = path + ".damaged";
        if (keepOriginal)
            File.Copy(path, backup, overwrite: true);
        else
            File.Move(path, backup, overwrite: true);
    }
}
