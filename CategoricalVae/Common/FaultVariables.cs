namespace CategoricalVae.Common;

/// <summary>
/// Names of the environment variables from which <c>Program</c> builds a <see cref="ScriptedFaults"/> plan for the
/// tests of the guarantees. Only Program reads them; they are not for users.
/// </summary>
public static class FaultVariables
{
    /// <summary>Request a stop (as Ctrl+C would) once this many global steps are done.</summary>
    public const string StopAfterStep = "CATEGORICALVAE_TEST_STOP_AFTER_STEP";

    /// <summary>Replace the loss of this global step (0-based) with NaN.</summary>
    public const string NanLossAtStep = "CATEGORICALVAE_TEST_NAN_LOSS_AT_STEP";

    /// <summary>Poison the gradients of this global step (0-based) with NaN.</summary>
    public const string NanGradientAtStep = "CATEGORICALVAE_TEST_NAN_GRADIENT_AT_STEP";

    /// <summary>"checkpoint", "metrics", "config" or "png", optionally ":N" for the N-th such write (default the
    /// first): halfway through it, print <see cref="ScriptedFaults.PausedMarker"/> and wait, so a test can SIGKILL
    /// the process inside the write.</summary>
    public const string PauseInWrite = "CATEGORICALVAE_TEST_PAUSE_IN_WRITE";

    /// <summary>Same form as <see cref="PauseInWrite"/>: halfway through that write, fail as a full disk would.</summary>
    public const string FailWrite = "CATEGORICALVAE_TEST_FAIL_WRITE";

    /// <summary>Comma-separated global steps after which to print the process RSS.</summary>
    public const string LogRssAtSteps = "CATEGORICALVAE_TEST_LOG_RSS_AT_STEPS";
}
