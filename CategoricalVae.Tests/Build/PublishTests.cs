using System.Diagnostics;
using Xunit;

namespace CategoricalVae.Tests.Build;

/// <summary>The Windows build, made here: `dotnet publish -r win-x64` of a copy of the app succeeds and carries libtorch's
/// Windows native libraries. (Nothing here runs Windows; docs/building.md says what was and was not run.)</summary>
[Trait("Category", Category.EndToEnd)]
public class PublishTests
{
    [Fact]
    public async Task Publishing_for_windows_x64_carries_the_native_libraries()
    {
        using var dir = new TempDir();
        // A copy of the sources, so the publish neither sees nor disturbs the checkout's own bin/ and obj/.
        foreach (string name in new[] { "global.json", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.Copy(Path.Combine(SourceTree.Root, name), dir.File(name));
        Copy(Path.Combine(SourceTree.Root, "build"), dir.File("build"));
        Copy(SourceTree.App, dir.File("CategoricalVae"));
        var start = new ProcessStartInfo("dotnet", ["publish", dir.File("CategoricalVae/CategoricalVae.csproj"), "-r", "win-x64", "--self-contained", "false",
            "-c", "Release", "-o", dir.File("out"), "-v", "q"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 0, await output + await error);
        foreach (string file in new[] { "CategoricalVae.exe", "CategoricalVae.dll", "torch_cpu.dll", "c10.dll", "LibTorchSharp.dll", "libiomp5md.dll", "libSkiaSharp.dll" })
            Assert.True(File.Exists(dir.File(Path.Combine("out", file))), $"{file} is missing from the win-x64 publish");
    }

    static void Copy(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj")
                continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }
}
