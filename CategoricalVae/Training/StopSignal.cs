using System.Runtime.InteropServices;

namespace CategoricalVae.Training;

/// <summary>
/// Ctrl+C / SIGTERM ask the trainer to stop after the current batch (it then checkpoints). A second
/// Ctrl+C is not intercepted, so a user can always force the process down.
/// </summary>
public sealed class StopSignal : IDisposable
{
    readonly List<PosixSignalRegistration> _registrations = [];
    volatile bool _requested;

    public bool Requested => _requested;

    public void Request() => _requested = true;

    public static StopSignal ListenToConsole()
    {
        var signal = new StopSignal();
        Console.CancelKeyPress += signal.OnCancelKeyPress;
        if (!OperatingSystem.IsWindows())
            signal._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                signal.Request();
            }));
        return signal;
    }

    void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (_requested)
            return;
        e.Cancel = true;
        Request();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        foreach (var r in _registrations)
            r.Dispose();
    }
}
