namespace CategoricalVae.Cli.Options;

/// <summary>What a training option may do when a run is resumed.</summary>
public enum ResumeRole
{
    /// <summary>Defines the model or its training: the run's value stays; a different value is refused.</summary>
    DefinesRun,

    /// <summary>A setting of this machine or session (threads, device, data folder, logging): the value given now,
    /// or today's default, applies.</summary>
    Session,

    /// <summary>Extends the run without changing what it computed (--epochs, the new total; --keep-checkpoints): the value
    /// given now, else the run's.</summary>
    Total,

    /// <summary>Only meaningful for a new run (where it goes, its label): refused with --resume.</summary>
    NewRunOnly,
}
