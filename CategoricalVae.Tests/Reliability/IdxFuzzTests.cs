using System.Buffers.Binary;
using CategoricalVae.Data;
using Xunit;

namespace CategoricalVae.Tests.Reliability;

/// <summary>Guarantee 3: whatever bytes a data file holds, only IdxFormatException escapes, in bounded memory.</summary>
[Trait("Category", Category.Unit)]
public class IdxFuzzTests(Xunit.Abstractions.ITestOutputHelper log)
{
    const int Inputs = 3000;

    /// <summary>The file stream's buffer, gzip's managed buffers, a first body of 4 KiB and the exception: measured
    /// at most ≈ 17 KiB for any input here.</summary>
    const long FixedBuffers = 32 * 1024;

    [Fact]
    public void Thousands_of_mangled_files_only_ever_raise_the_documented_error_in_bounded_memory()
    {
        using var dir = new TempDir();
        var rng = new Random(12345);
        byte[] images = IdxWriter.Images(4), labels = IdxWriter.Labels(4);
        var outcomes = new Dictionary<string, int>();
        long most = 0;
        for (int i = 0; i < Inputs; i++)
        {
            bool imageFile = rng.Next(2) == 0;
            byte[] input = Mangle(imageFile ? images : labels, rng, out string kind);
            bool gz = kind.StartsWith("gz") || rng.Next(4) == 0;
            string path = dir.File($"f{i}" + (gz ? ".gz" : ""));
            File.WriteAllBytes(path, gz && rng.Next(2) == 0 ? IdxWriter.Gzip(input) : input);

            long before = GC.GetAllocatedBytesForCurrentThread();
            string outcome;
            try
            {
                if (imageFile) IdxReader.ReadImages(path);
                else IdxReader.ReadLabels(path);
                outcome = "read";
            }
            catch (IdxFormatException)
            {
                outcome = "refused";
            }
            // Anything else escaping fails the test with that exception.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            most = Math.Max(most, allocated);
            // Bounded by the bytes present, never by the header's claim (up to a million 784-byte images): a few
            // copies of the data (a body that doubles as it grows, the returned array) and the streams' own buffers.
            long bound = FixedBuffers + 4L * input.Length;
            Assert.True(allocated < bound, $"{kind}: {allocated} bytes allocated for a {input.Length}-byte input (bound {bound})");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            File.Delete(path);
        }
        log.WriteLine($"most allocated: {most}");
        Assert.True(outcomes.GetValueOrDefault("refused") > Inputs / 2, string.Join(", ", outcomes));
    }

    static byte[] Mangle(byte[] valid, Random rng, out string kind)
    {
        byte[] b = (byte[])valid.Clone();
        switch (rng.Next(7))
        {
            case 0:
                kind = "random bytes";
                b = new byte[rng.Next(0, 200)];
                rng.NextBytes(b);
                return b;
            case 1:
                kind = "truncated";
                return b[..rng.Next(0, b.Length)];
            case 2:
                kind = "huge count";
                BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), rng.Next(2) == 0 ? int.MaxValue : rng.Next(1, 1_000_000));
                return b;
            case 3:
                kind = "header field";
                int field = rng.Next(0, Math.Min(4, b.Length / 4));
                BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(field * 4), rng.Next(int.MinValue, int.MaxValue));
                return b;
            case 4:
                kind = "bit flips";
                for (int n = rng.Next(1, 8); n > 0; n--)
                    b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            case 5:
                kind = "gz garbage";
                b = [0x1f, 0x8b, .. new byte[rng.Next(0, 64)]];
                rng.NextBytes(b.AsSpan(2));
                return b;
            default:
                kind = "extended";
                return [.. b, .. new byte[rng.Next(1, 100)]];
        }
    }
}
