using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Native;

/// <summary>
/// The paths Windows and macOS take, exercised on Linux: a process that treats libgomp's GOMP_parallel and MKL's
/// products as absent (as Windows' torch_cpu.dll and macOS's libtorch are) and sets neither glibc's malloc nor the
/// OpenMP spin bound trains its element-wise work on .NET's thread pool and its products through libtorch's addmm,
/// and must give the default path's losses to float rounding. bfloat16 products, which need MKL's, are refused there.
/// </summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class OtherPlatformTests
{
    readonly RealMnist _mnist;

    public OtherPlatformTests(RealMnist mnist) => _mnist = mnist;

    [Fact]
    public void Without_libgomp_and_MKL_exports_a_run_trains_to_the_default_paths_losses()
    {
        using var dir = new TempDir();
        string[] args = [.. SmallRun.Args(2, 2000, 300), "--threads", "2"];
        var linux = CliRunner.Run(dir.Path, _mnist.Args("linux", args));
        Assert.True(linux.ExitCode == 0, linux.Stderr);
        var other = CliRunner.Run(dir.Path, ["as-other-platform", .. _mnist.Args("other", args)], dll: ChildMain.Dll);
        Assert.True(other.ExitCode == 0, other.Stderr + other.Stdout);
        var a = RunFolder.LossColumns(RunFolder.Single(dir.File("linux")));
        var b = RunFolder.LossColumns(RunFolder.Single(dir.File("other")));
        Assert.Equal(2, b.Count);
        for (int row = 0; row < a.Count; row++)
            for (int col = 3; col < a[row].Length; col++)
                Assert.Equal(a[row][col], b[row][col], Math.Abs(a[row][col]) * 1e-5);

        var bf16 = CliRunner.Run(dir.Path, ["as-other-platform", .. _mnist.Args("bf16", [.. args, "--precision", "bf16", "--emulate-bf16"])], dll: ChildMain.Dll);
        Assert.Equal(2, bf16.ExitCode);
        Assert.StartsWith("error: --precision bf16: this libtorch exports no MKL bfloat16 product", bf16.Stderr);
        Assert.False(Directory.Exists(dir.File("bf16")));
    }
}
