using CategoricalVae.Common;

namespace CategoricalVae.Runs;

/// <summary>
/// Decides where a resumed run continues from. Damaged state is refused with a specific message (exit 2, nothing
/// changed) unless the user passed --force; then the damaged files are kept as *.damaged and the run either
/// continues with a complete, contiguous metrics history or restarts from epoch 1 in place (same seed, so the same
/// rows come out again).
/// </summary>
public static class ResumeState
{
    /// <summary>The checkpoint state to continue from, or null to start the run afresh (only with --force).</summary>
    /// <param name="imported">Where the run's weights were imported from, if they were: such a run cannot start
    /// afresh, since its seed would draw random weights in place of the imported ones.</param>
    public static CheckpointState? Check(RunDirectory run, TrainOptions options, bool force, ImportSource? imported = null)
    {
        CheckpointState? RestartAfresh(RunDirectory run) => imported == null ? SetAsideForRestart(run) : throw UserFacingException.Refused(
            $"{run.Path} holds weights imported from {imported.File}, and its checkpoint is missing or damaged; nothing was changed " +
            "(restarting would replace the imported weights with random ones: import the file again into a new run).");

        RunLayout layout = run.Layout;
        string restart = $"--resume {run.Path} --force restarts this run from epoch 1 in place, keeping the old files as *{RunLayout.DamagedSuffix}.";
        MetricsFile metrics = MetricsCsv.ReadWithNotes(layout.MetricsFile);

        if (!File.Exists(layout.CheckpointFile) && metrics.Rows.Count == 0 && !metrics.Damaged)
            // Stopped before even the untrained model's checkpoint was written: nothing was trained, start again.
            return RestartAfresh(run);
        if (!File.Exists(layout.CheckpointFile))
        {
            string why = metrics.Rows.Count > 0
                ? $"{layout.CheckpointFile} is missing, but metrics.csv has {metrics.Rows.Count} row(s): the checkpoint was deleted or lost."
                : $"{run.Path} has no checkpoint.bin.";
            if (!force)
                throw UserFacingException.Refused($"{why} Nothing was changed; {restart}");
            return RestartAfresh(run);
        }

        CheckpointState state;
        try
        {
            state = Checkpoint.Load(layout.CheckpointFile);
        }
        catch (UserFacingException e)
        {
            if (!force)
                throw UserFacingException.Refused($"{e.Message} Nothing was changed; {restart}");
            return RestartAfresh(run);
        }

        if (state.LatentDim != options.LatentDim || state.Categories != options.Categories || state.EffectiveEstimator != options.Estimator)
            throw UserFacingException.Refused(
                $"{layout.CheckpointFile} was written for latent {state.LatentDim}×{state.Categories} {Model.Estimators.GradientEstimators.FolderLabel(state.EffectiveEstimator)}, " +
                $"but config.json says {options.LatentDim}×{options.Categories} {options.Mode}; the run folder is inconsistent.");

        if (metrics.Damaged && !force)
            throw UserFacingException.Refused(
                $"{layout.MetricsFile}: {string.Join("; ", metrics.Notes)}. Nothing was changed; add --force to drop what cannot be read (a copy is kept as metrics.csv{RunLayout.DamagedSuffix}).");

        int[] missing = Enumerable.Range(1, state.EpochsCompleted).Except(metrics.Rows.Select(r => r.Epoch)).ToArray();
        if (missing.Length > 0)
        {
            // Only the newest checkpoint is kept, so a hole in the history cannot be recomputed from the epoch before
            // it; a run is a pure function of its seed and options, so restarting gives the same rows again.
            if (!force)
                throw UserFacingException.Refused(
                    $"{layout.MetricsFile} has no row for epoch(s) {Epochs(missing)} of the {state.EpochsCompleted} in the checkpoint. Nothing was changed; {restart}");
            return RestartAfresh(run);
        }

        // Every epoch present is not enough: a repeated or out-of-order row would survive into the history.
        int[] kept = metrics.Rows.Select(r => r.Epoch).Where(e => e <= state.EpochsCompleted).ToArray();
        if (!kept.SequenceEqual(Enumerable.Range(1, state.EpochsCompleted)))
        {
            if (!force)
                throw UserFacingException.Refused(
                    $"{layout.MetricsFile} has repeated or out-of-order rows (epochs {Epochs(kept)}). Nothing was changed; {restart}");
            return RestartAfresh(run);
        }

        if (metrics.Damaged)
            Backup(layout.MetricsFile, keepOriginal: true);
        // Rows past the checkpoint come from a kill between the metrics write and the checkpoint write; those
        // epochs are recomputed identically, so dropping them loses nothing.
        MetricsCsv.TruncateTo(layout.MetricsFile, state.EpochsCompleted, run.Writer);
        LatentsCsv.TruncateTo(layout.LatentsFile, state.EpochsCompleted, run.Writer);
        return state;
    }

    static CheckpointState? SetAsideForRestart(RunDirectory run)
    {
        Backup(run.Layout.CheckpointFile);
        Backup(run.Layout.MetricsFile);
        Backup(run.Layout.LatentsFile);
        return null;
    }

    static string Epochs(int[] epochs) =>
        epochs.Length <= 5 ? string.Join(", ", epochs) : $"{string.Join(", ", epochs.Take(5))} and {epochs.Length - 5} more";

    static void Backup(string path, bool keepOriginal = false)
    {
        if (!File.Exists(path))
            return;
        // A second repair keeps the first one's copies: metrics.csv.damaged, then metrics.csv.damaged-2, …
        string backup = RunLayout.Damaged(path);
        for (int n = 2; File.Exists(backup); n++)
            backup = $"{RunLayout.Damaged(path)}-{n}";
        if (keepOriginal)
            File.Copy(path, backup);
        else
            File.Move(path, backup);
    }
}
