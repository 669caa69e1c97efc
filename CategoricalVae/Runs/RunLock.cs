using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CategoricalVae.Runs;

/// <summary>
/// Who owns a run folder: run.lock holds the owner's pid, host, the process's start time and the machine's boot
/// id, so a lock left behind by a dead process is recognised even after its pid has been reused (by an unrelated
/// process, or after a reboot).
/// </summary>
public sealed record RunLock(int Pid, string Host, DateTime? ProcessStartUtc, string? BootId)
{
    public static RunLock ForThisProcess()
    {
        using var self = Process.GetCurrentProcess();
        return new(Environment.ProcessId, Environment.MachineName, StartTimeUtc(self), CurrentBootId());
    }

    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["pid"] = Pid,
        ["host"] = Host,
        ["process_start_utc"] = ProcessStartUtc?.ToString("O", CultureInfo.InvariantCulture),
        ["boot_id"] = BootId,
    });

    /// <summary>Reads a lock file's content: this format, or the bare pid of older versions; null if unreadable.</summary>
    public static RunLock? Parse(string text)
    {
        text = text.Trim();
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int legacyPid))
            return new RunLock(legacyPid, Environment.MachineName, null, null);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            DateTime? started = root.TryGetProperty("process_start_utc", out var s) && s.ValueKind == JsonValueKind.String
                && DateTime.TryParse(s.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : null;
            return new RunLock(root.GetProperty("pid").GetInt32(), root.GetProperty("host").GetString() ?? "",
                started, root.TryGetProperty("boot_id", out var b) ? b.GetString() : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Is the owner still running? Another host's process cannot be checked, so it counts as alive.</summary>
    public bool OwnerIsAlive()
    {
        if (!string.Equals(Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
            return true;
        if (BootId != null && CurrentBootId() is { } boot && boot != BootId)
            return false; // written before the last reboot
        if (Pid == Environment.ProcessId)
            return ProcessStartUtc == null || SameStart(ProcessStartUtc.Value, RunLock.ForThisProcess().ProcessStartUtc);
        try
        {
            using var process = Process.GetProcessById(Pid);
            if (process.HasExited)
                return false;
            // A live process with that pid but another start time is an unrelated process that reused the pid.
            return ProcessStartUtc == null || SameStart(ProcessStartUtc.Value, StartTimeUtc(process));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public string Describe() =>
        $"process {Pid}" + (ProcessStartUtc is { } t ? $" (started {t.ToLocalTime():yyyy-MM-dd HH:mm:ss})" : "") +
        (string.Equals(Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase) ? "" : $" on {Host}");

    static bool SameStart(DateTime a, DateTime? b) => b is { } other && Math.Abs((a - other).TotalSeconds) < 2;

    static DateTime? StartTimeUtc(Process process)
    {
        try { return process.StartTime.ToUniversalTime(); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { return null; }
    }

    static string? CurrentBootId()
    {
        try
        {
            return OperatingSystem.IsLinux() ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
