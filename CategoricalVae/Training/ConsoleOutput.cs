namespace CategoricalVae.Training;

/// <summary>What a run's log shows on the console (train.log always gets everything).</summary>
public enum ConsoleOutput
{
    /// <summary>Every line, including the source's per-interval "Train Epoch:" lines.</summary>
    Lines,

    /// <summary>Epoch summaries and messages; the batches are shown by a progress bar instead.</summary>
    ProgressBar,

    /// <summary>Nothing (a sweep prints its own lines for its members).</summary>
    None,
}
