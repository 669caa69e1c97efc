using CategoricalVae.Data;
using Xunit;

namespace CategoricalVae.Tests.Data;

[Trait("Category", Category.Unit)]
public class IdxReaderTests
{
    [Fact]
    public void Reads_valid_raw_and_gzipped_files_identically()
    {
        using var dir = new TempDir();
        byte[] raw = IdxWriter.Images(7);
        File.WriteAllBytes(dir.File("img"), raw);
        File.WriteAllBytes(dir.File("img.gz"), IdxWriter.Gzip(raw));
        var a = IdxReader.ReadImages(dir.File("img"));
        var b = IdxReader.ReadImages(dir.File("img.gz"));
        Assert.Equal((7, 28, 28), (a.Count, a.Rows, a.Cols));
        Assert.Equal(raw.AsSpan(16).ToArray(), a.Pixels.AsSpan(0, 7 * 784).ToArray());
        Assert.Equal(a.Pixels.AsSpan(0, 7 * 784).ToArray(), b.Pixels.AsSpan(0, 7 * 784).ToArray());

        File.WriteAllBytes(dir.File("lab.gz"), IdxWriter.Gzip(IdxWriter.Labels(7)));
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5, 6 }, IdxReader.ReadLabels(dir.File("lab.gz")));
    }

    [Theory]
    [InlineData("wrong magic", "wrong magic number 2049")]
    [InlineData("truncated body", "truncated: header promises")]
    [InlineData("count larger than data", "truncated: header promises")]
    [InlineData("truncated header", "truncated image header")]
    [InlineData("wrong dimensions", "images are 20×28")]
    [InlineData("trailing data", "beyond the")]
    [InlineData("negative count", "outside 0..")]
    [InlineData("huge count", "outside 0..")]
    [InlineData("gz that is not gzip", "not gzip data")]
    [InlineData("truncated gzip", "truncated")]
    [InlineData("corrupt gzip", "corrupt gzip data")]
    public void Image_file_violations_are_specific_errors_naming_the_file(string kind, string expected)
    {
        using var dir = new TempDir();
        string path = dir.File(kind.Contains("gz") ? "bad.gz" : "bad");
        byte[] content = kind switch
        {
            "wrong magic" => IdxWriter.Images(3, magic: 2049),
            "truncated body" => IdxWriter.Images(3)[..(16 + 3 * 784 - 5)],
            "count larger than data" => IdxWriter.Images(3, headerCount: 4),
            "truncated header" => IdxWriter.Images(3)[..10],
            "wrong dimensions" => IdxWriter.Images(3, rows: 20),
            "trailing data" => [.. IdxWriter.Images(3), 1, 2, 3],
            "negative count" => IdxWriter.Images(0, headerCount: -5),
            "huge count" => IdxWriter.Images(0, headerCount: int.MaxValue),
            "gz that is not gzip" => IdxWriter.Images(3),
            "truncated gzip" => IdxWriter.Gzip(IdxWriter.Images(3))[..40],
            _ => [.. IdxWriter.Gzip(IdxWriter.Images(3))[..10], 0xff, 0xff, 0xff, 0xff], // deflate block type 3 is reserved
        };
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Label_out_of_range_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("lab"), IdxWriter.Labels(5, forceLabel: 10));
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(dir.File("lab")));
        Assert.Contains("label 10 at index 0 is outside 0..9", e.Message);
    }

    [Fact]
    public void Image_and_label_count_mismatch_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("img"), IdxWriter.Images(5));
        File.WriteAllBytes(dir.File("lab"), IdxWriter.Labels(4));
        var e = Assert.Throws<IdxFormatException>(() => MnistDataset.Load(dir.File("img"), dir.File("lab")));
        Assert.Contains("4 labels but img has 5 images", e.Message);
    }

    [Fact]
    public void Dataset_batches_are_float_in_unit_range_and_limits_apply()
    {
        using var dir = new TempDir();
        byte[] raw = IdxWriter.Images(10);
        File.WriteAllBytes(dir.File("img"), raw);
        File.WriteAllBytes(dir.File("lab"), IdxWriter.Labels(10));
        using var data = MnistDataset.Load(dir.File("img"), dir.File("lab"), limit: 7);
        Assert.Equal(7, data.Count);
        Assert.Equal(2, data.BatchCount(4)); // last partial batch kept
        using var slice = data.Slice(1, 2);
        Assert.Equal(new long[] { 2, 784 }, slice.shape);
        Assert.Equal(raw[16 + 784] / 255f, slice[0, 0].item<float>(), 6);
        using var g1 = new TorchSharp.torch.Generator(5);
        using var g2 = new TorchSharp.torch.Generator(5);
        Assert.Equal(data.Shuffle(g1).data<long>().ToArray(), data.Shuffle(g2).data<long>().ToArray());
    }
}
