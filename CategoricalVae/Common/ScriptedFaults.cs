using System.Globalization;

namespace CategoricalVae.Common;

/// <summary>
/// A fault plan from the settings the guarantee tests pass (see <see cref="FaultVariables"/>). Writes are
/// recognised by file name: "checkpoint" is checkpoint.bin, "metrics" metrics.csv, "config" config.json and
/// "png" any picture.
/// </summary>
public sealed class ScriptedFaults : IFaultPlan
{
    public const string PausedMarker = "TEST-HOOK: paused inside the write of ";

    readonly (string What, int Nth)? _pause, _fail;
    readonly long? _nanLoss, _nanGradient, _stopAfter;
    readonly Dictionary<string, int> _seen = [];

    ScriptedFaults((string, int)? pause, (string, int)? fail, long? nanLoss, long? nanGradient, long? stopAfter)
    {
        (_pause, _fail, _nanLoss, _nanGradient, _stopAfter) = (pause, fail, nanLoss, nanGradient, stopAfter);
    }

    /// <summary>The plan for these settings, or <see cref="NoFaults"/> when none is set.</summary>
    public static IFaultPlan From(string? pauseInWrite, string? failWrite, string? nanLossAtStep, string? nanGradientAtStep, string? stopAfterStep)
    {
        var plan = new ScriptedFaults(Target(pauseInWrite), Target(failWrite), Number(nanLossAtStep), Number(nanGradientAtStep), Number(stopAfterStep));
        return plan is { _pause: null, _fail: null, _nanLoss: null, _nanGradient: null, _stopAfter: null } ? NoFaults.Instance : plan;
    }

    static (string, int)? Target(string? setting) => setting?.Split(':') switch
    {
        [var what] when what.Length > 0 => (what, 1),
        [var what, var n] when int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int nth) => (what, nth),
        _ => null,
    };

    static long? Number(string? setting) =>
        long.TryParse(setting, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : null;

    static string KindOf(string path)
    {
        string name = Path.GetFileName(path);
        return name switch
        {
            "checkpoint.bin" => "checkpoint",
            "metrics.csv" => "metrics",
            "config.json" => "config",
            _ when name.EndsWith(".png", StringComparison.OrdinalIgnoreCase) => "png",
            _ => name,
        };
    }

    public void MidWrite(string path, Stream partlyWritten)
    {
        if (_pause == null && _fail == null)
            return;
        string what = KindOf(path);
        int nth;
        lock (_seen)
            nth = _seen[what] = _seen.GetValueOrDefault(what) + 1;
        bool fail = _fail == (what, nth), pause = _pause == (what, nth);
        if (!fail && !pause)
            return;
        partlyWritten.Flush();
        if (fail)
            throw new IOException($"No space left on device (injected while writing the {what})");
        Console.Out.WriteLine(PausedMarker + what);
        Console.Out.Flush();
        Thread.Sleep(TimeSpan.FromMinutes(2));
    }

    public double? LossAt(long step) => step == _nanLoss ? double.NaN : null;
    public bool PoisonGradientsAt(long step) => step == _nanGradient;
    public bool StopAfter(long stepsDone) => stepsDone == _stopAfter;
}
