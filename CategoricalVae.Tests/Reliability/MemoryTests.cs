using System.Text.RegularExpressions;
using CategoricalVae.Common;
using Xunit;

namespace CategoricalVae.Tests.Reliability;

/// <summary>Guarantee 7: native memory stays flat over a long run.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class MemoryTests
{
    readonly RealMnist _mnist;

    public MemoryTests(RealMnist mnist) => _mnist = mnist;

    [FactOnLinux]
    public void Process_RSS_does_not_grow_across_the_second_epoch()
    {
        using var dir = new TempDir();
        // A first epoch of 300 steps warms up the allocator, JIT and picture code; the second epoch is sampled
        // every 50 steps. The allocator's footprint moves by tens of MB either way from one sample to the next
        // (seen in CI: 435 MB at step 350, 390 MB at step 600), so a single pair of samples cannot tell noise
        // from a leak. A leak only ever adds, so the lowest of the late samples is compared with the lowest of
        // the early ones: leaking one batch tensor a step (313 kB) would add about 47 MB between the groups, and the
        // 24 MB limit catches any native leak above about 160 kB a step. Smaller leaks of tensors, which would still
        // add up over a night, are caught exactly by counting live tensors (RunLauncherTests.No_tensor_outlives_…).
        int[] steps = [350, 400, 450, 500, 550, 600];
        var r = CliRunner.Run(dir.Path,
            _mnist.Args("runs", [.. SmallRun.Args(2, 30000, 100)]),
            new Dictionary<string, string> { [FaultVariables.LogRssAtSteps] = string.Join(",", steps) });
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var rss = Regex.Matches(r.Stdout, @"RSS after step (\d+): (\d+) kB")
            .ToDictionary(m => int.Parse(m.Groups[1].Value), m => long.Parse(m.Groups[2].Value));
        Assert.Equal(steps, rss.Keys.Order().ToArray());
        string all = string.Join(", ", steps.Select(s => $"{s}: {rss[s] / 1024} MB"));
        long early = steps.Take(3).Min(s => rss[s]);
        long late = steps.Skip(3).Min(s => rss[s]);
        Assert.True(late - early < 24 * 1024, $"RSS grew across the epoch: {all}");
        Assert.True(steps.Max(s => rss[s]) < 1024 * 1024, $"RSS above 1 GB: {all}");
    }
}
