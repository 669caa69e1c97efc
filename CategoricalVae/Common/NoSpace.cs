namespace CategoricalVae.Common;

/// <summary>Recognises "no space left on device" among I/O failures, so the message says so and where.</summary>
public static class NoSpace
{
    const int Enospc = 28, WindowsDiskFull = 112, WindowsHandleDiskFull = 39;

    public static bool Is(Exception e) =>
        e is IOException io && ((io.HResult & 0xFFFF) is Enospc or WindowsDiskFull or WindowsHandleDiskFull
                                || io.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase));

    /// <summary>The exception's message, with the folder whose disk is full when that is the cause.</summary>
    public static string Explain(Exception e, string? folder = null) =>
        Is(e) && folder != null && !e.Message.Contains(folder, StringComparison.Ordinal)
            ? $"No space left on the device holding {folder} ({e.Message})"
            : e.Message;

    /// <summary>Free bytes on the device holding <paramref name="folder"/>, or null if unknown.</summary>
    public static long? FreeBytes(string folder)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
