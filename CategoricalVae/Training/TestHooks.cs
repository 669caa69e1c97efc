namespace CategoricalVae.Training;

/// <summary>
/// Environment variables the automated tests use to make rare events happen on cue (a stop, a NaN, a kill
/// or a full disk in the middle of a write). Not for users; each costs one environment read when unset.
/// </summary>
public static class TestHooks
{
    /// <summary>Request a stop (as Ctrl+C would) once this many global steps are done.</summary>
    public const string StopAfterStep = "CATEGORICALVAE_TEST_STOP_AFTER_STEP";

    /// <summary>Replace the loss of this global step (0-based) with NaN.</summary>
    public const string NanLossAtStep = "CATEGORICALVAE_TEST_NAN_LOSS_AT_STEP";

    /// <summary>Poison the gradients of this global step (0-based) with NaN.</summary>
    public const string NanGradientAtStep = "CATEGORICALVAE_TEST_NAN_GRADIENT_AT_STEP";

    /// <summary>"checkpoint", "metrics" or "png", optionally ":N" for the N-th such write (default the first):
    /// halfway through it, print <see cref="PausedMarker"/> and wait, so a test can SIGKILL the process inside.</summary>
    public const string PauseInWrite = "CATEGORICALVAE_TEST_PAUSE_IN_WRITE";

    /// <summary>Same form as <see cref="PauseInWrite"/>: halfway through that write, fail as a full disk would.</summary>
    public const string FailWrite = "CATEGORICALVAE_TEST_FAIL_WRITE";

    /// <summary>Comma-separated global steps after which to log the process RSS.</summary>
    public const string LogRssAtSteps = "CATEGORICALVAE_TEST_LOG_RSS_AT_STEPS";

    public const string PausedMarker = "TEST-HOOK: paused inside the write of ";

    static readonly (string What, int Nth)? Pause = Target(PauseInWrite);
    static readonly (string What, int Nth)? Fail = Target(FailWrite);
    static readonly Dictionary<string, int> Seen = [];

    static (string, int)? Target(string variable) =>
        Environment.GetEnvironmentVariable(variable)?.Split(':') switch
        {
            [var what] => (what, 1),
            [var what, var n] when int.TryParse(n, out int nth) => (what, nth),
            _ => null,
        };

    public static long? Read(string variable) =>
        long.TryParse(Environment.GetEnvironmentVariable(variable), out long value) ? value : null;

    /// <summary>Called by the writers once part of <paramref name="what"/> is on disk.</summary>
    public static void MidWrite(string what, Stream partlyWritten)
    {
        if (Pause?.What != what && Fail?.What != what)
            return;
        int nth;
        lock (Seen)
            nth = Seen[what] = Seen.GetValueOrDefault(what) + 1;
        bool fail = Fail == (what, nth), pause = Pause == (what, nth);
        if (!fail && !pause)
            return;
        partlyWritten.Flush();
        if (fail)
            throw new IOException($"No space left on device (injected while writing the {what})");
        Console.Out.WriteLine(PausedMarker + what);
        Console.Out.Flush();
        Thread.Sleep(TimeSpan.FromMinutes(2));
    }
}
