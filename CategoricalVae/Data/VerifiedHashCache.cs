using CategoricalVae.Common;
using System.Text.Json;

namespace CategoricalVae.Data;

/// <summary>
/// Remembers the content MD5 of data files keyed on name + size + mtime, so later starts skip re-hashing
/// 55 MB. Any change to a file's size or mtime invalidates its entry. A damaged cache is simply ignored.
/// </summary>
public sealed class VerifiedHashCache
{
    public const string FileName = ".verified-hashes.json";

    sealed record Entry(long Size, long MtimeTicks, string Md5);

    readonly string _path;
    readonly Dictionary<string, Entry> _entries;

    public VerifiedHashCache(string dataDir)
    {
        _path = Path.Combine(dataDir, FileName);
        _entries = Load(_path);
    }

    public string? Lookup(string file)
    {
        var info = new FileInfo(file);
        return _entries.TryGetValue(info.Name, out var e) && e.Size == info.Length && e.MtimeTicks == info.LastWriteTimeUtc.Ticks
            ? e.Md5
            : null;
    }

    public void Remember(string file, string md5)
    {
        var info = new FileInfo(file);
        _entries[info.Name] = new Entry(info.Length, info.LastWriteTimeUtc.Ticks, md5);
        try
        {
            AtomicWriter.Plain.WriteText(_path, JsonSerializer.Serialize(_entries));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a speed-up: a read-only data folder still works, it just hashes every start.
        }
    }

    static Dictionary<string, Entry> Load(string path)
    {
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? []
                : [];
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
