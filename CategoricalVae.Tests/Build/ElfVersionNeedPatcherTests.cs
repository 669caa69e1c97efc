using Xunit;

namespace CategoricalVae.Tests.Build;

[Trait("Category", Category.Unit)]
public class ElfVersionNeedPatcherTests
{
    [Fact]
    public void Sets_only_the_weak_flag_of_the_named_need_and_is_idempotent()
    {
        byte[] image = ElfFixture.Build();
        byte[] original = (byte[])image.Clone();
        Assert.Equal((ushort)0, ElfVersionNeedPatcher.ReadFlags(image, ElfFixture.Weakened));

        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.Patch(image, ElfFixture.Weakened));
        Assert.Equal(ElfVersionNeedPatcher.VerFlagWeak, ElfVersionNeedPatcher.ReadFlags(image, ElfFixture.Weakened));
        Assert.Equal((ushort)0, ElfVersionNeedPatcher.ReadFlags(image, ElfFixture.Other));
        // Exactly one byte differs: the low byte of that vna_flags.
        Assert.Single(Enumerable.Range(0, image.Length), i => image[i] != original[i]);

        byte[] once = (byte[])image.Clone();
        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionNeedPatcher.Patch(image, ElfFixture.Weakened));
        Assert.Equal(once, image);
    }

    [Fact]
    public void Walks_section_headers_by_their_declared_entry_size()
    {
        byte[] image = ElfFixture.Build(bigHeaderTable: true);
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.Patch(image, ElfFixture.Weakened));
        Assert.Equal(ElfVersionNeedPatcher.VerFlagWeak, ElfVersionNeedPatcher.ReadFlags(image, ElfFixture.Weakened));
    }

    [Fact]
    public void Reports_a_missing_need_without_changing_anything()
    {
        byte[] image = ElfFixture.Build();
        byte[] original = (byte[])image.Clone();
        Assert.Equal(ElfPatchOutcome.NoSuchNeed, ElfVersionNeedPatcher.Patch(image, "GLIBCXX_9.9.9"));
        Assert.Equal(original, image);
    }

    [Fact]
    public void Refuses_when_a_relocation_really_uses_a_symbol_of_that_version()
    {
        byte[] image = ElfFixture.Build(relocateVersion32Symbol: true);
        var e = Assert.Throws<ElfPatchException>(() => ElfVersionNeedPatcher.Patch(image, ElfFixture.Weakened));
        Assert.Contains("_ZSt21ios_base_library_initv", e.Message);
    }

    [Theory]
    [InlineData("not an ELF file")]
    [InlineData("ELF32")]
    [InlineData("section table outside")]
    public void Refuses_files_it_does_not_understand(string kind)
    {
        byte[] image = ElfFixture.Build();
        switch (kind)
        {
            case "not an ELF file": image[1] = (byte)'X'; break;
            case "ELF32": image[4] = 1; break;
            default: BitConverter.GetBytes((long)image.Length + 100).CopyTo(image, 0x28); break;
        }
        Assert.Throws<ElfPatchException>(() => ElfVersionNeedPatcher.Patch(image, ElfFixture.Weakened));
    }

    [Fact]
    public void PatchFile_replaces_the_file_instead_of_writing_through_hard_links()
    {
        using var dir = new TempDir();
        string cache = dir.File("cache.so"), output = dir.File("output.so");
        File.WriteAllBytes(cache, ElfFixture.Build());
        if (!OperatingSystem.IsLinux())
            return;
        // The build may hard-link outputs to the package cache: the cache copy must stay untouched.
        Assert.Equal(0, Support.Native.Link(cache, output));
        Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.PatchFile(output, ElfFixture.Weakened));
        Assert.Equal((ushort)0, ElfVersionNeedPatcher.ReadFlags(File.ReadAllBytes(cache), ElfFixture.Weakened));
        Assert.Equal(ElfVersionNeedPatcher.VerFlagWeak, ElfVersionNeedPatcher.ReadFlags(File.ReadAllBytes(output), ElfFixture.Weakened));
        Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionNeedPatcher.PatchFile(output, ElfFixture.Weakened));
    }

    [Fact]
    public void The_real_TorchSharp_library_in_the_test_output_is_patched_and_the_package_cache_is_not()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(output), output);
        Assert.Equal(ElfVersionNeedPatcher.VerFlagWeak, ElfVersionNeedPatcher.ReadFlags(File.ReadAllBytes(output), ElfFixture.Weakened));

        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                          ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cached = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(cached))
            Assert.Equal((ushort)0, ElfVersionNeedPatcher.ReadFlags(File.ReadAllBytes(cached), ElfFixture.Weakened));
    }

    [Fact]
    public void TorchSharp_creates_a_tensor_in_the_test_process()
    {
        using var t = TorchSharp.torch.arange(6).reshape(2, 3);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.Equal(15, t.sum().item<long>());
    }
}
