using System.Text.Json;
using Xunit;

namespace CategoricalVae.Tests.Cli;

[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class BenchCommandTests
{
    readonly RealMnist _mnist;

    public BenchCommandTests(RealMnist mnist) => _mnist = mnist;

    [Fact]
    public void Bench_runs_with_a_tiny_step_count_and_its_json_has_every_field()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, ["bench", "--steps", "10", "--repeats", "2", "--eval-size", "200", "--data-dir", dir.File("no-data"), "--json", "bench.json", "--threads", "2"], timeoutSeconds: 300);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("training / floor", r.Stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("bench.json")));
        var root = json.RootElement;
        string[] fields =
        [
            "time_utc", "machine", "cores", "threads", "torch_sharp_version", "lib_torch_version", "batch_size", "steps", "repeats",
            "hard", "data_source", "gflop_per_step", "floor_ms_per_step", "floor_gflops", "addmm_floor_ms_per_step", "train_ms_per_step",
            "train_examples_per_second", "train_to_floor_ratio", "epoch_seconds600_steps", "eval_seconds", "eval_examples",
            "eval_to_epoch_ratio", "artifact_seconds", "artifact_to_epoch_ratio", "startup_seconds", "peak_rss_mb", "phases", "graph_only_estimators",
        ];
        foreach (string field in fields)
            Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
        Assert.Equal("synthetic", root.GetProperty("data_source").GetString());
        // 6 forward products, 12 backward, less the input's gradient nobody needs: 17 products of 2·batch·in·out flops.
        long[] products = [784 * 512, 512 * 256, 256 * 300, 300 * 256, 256 * 512, 512 * 784];
        double expectedGflop = 2.0 * 100 * (3 * products.Sum() - products[0]) / 1e9;
        Assert.Equal(expectedGflop, root.GetProperty("gflop_per_step").GetDouble(), 6);
        foreach (string positive in new[] { "floor_ms_per_step", "addmm_floor_ms_per_step", "train_ms_per_step", "eval_seconds", "artifact_seconds", "startup_seconds", "peak_rss_mb" })
            Assert.True(root.GetProperty(positive).GetDouble() > 0, positive);
        Assert.Equal(200, root.GetProperty("eval_examples").GetInt32());
        foreach (string phase in new[] { "batch_ms", "forward_loss_ms", "backward_ms", "gradient_check_ms", "optimizer_ms", "stock_adam_ms" })
            Assert.True(root.GetProperty("phases").GetProperty(phase).GetDouble() > 0, phase);
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "categoricalvae-bench-*"), d => Directory.GetCreationTimeUtc(d) > DateTime.UtcNow.AddMinutes(-5));

        // The summary figures are what they claim to summarise.
        double D(string name) => root.GetProperty(name).GetDouble();
        double[] train = root.GetProperty("train_ms_per_step_by_repeat").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double[] floor = root.GetProperty("floor_ms_per_step_by_repeat").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal((10, 2, 2, 2), (root.GetProperty("steps").GetInt32(), root.GetProperty("repeats").GetInt32(), train.Length, floor.Length));
        Assert.Equal(train.Average(), D("train_ms_per_step"), 9);   // the median of two is their mean
        Assert.Equal(floor.Average(), D("floor_ms_per_step"), 9);
        Assert.Equal((train[0] / floor[0] + train[1] / floor[1]) / 2, D("train_to_floor_ratio"), 9);
        Assert.Equal(D("gflop_per_step") / (D("floor_ms_per_step") / 1000), D("floor_gflops"), 6);
        Assert.Equal(100 * 1000 / D("train_ms_per_step"), D("train_examples_per_second"), 6);
        Assert.Equal(D("train_ms_per_step") * 600 / 1000, D("epoch_seconds600_steps"), 9);
        Assert.Equal(D("eval_seconds") / D("epoch_seconds600_steps"), D("eval_to_epoch_ratio"), 9);
        Assert.Equal(D("artifact_seconds") / D("epoch_seconds600_steps"), D("artifact_to_epoch_ratio"), 9);
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.True(root.GetProperty("open_mp").GetProperty("GOMP_SPINCOUNT").GetString() is { Length: > 0 });
    }

    [Fact]
    public void Bench_pytorch_without_a_working_interpreter_is_refused_in_one_line()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, ["bench", "--steps", "10", "--repeats", "1", "--pytorch", "--python", dir.File("no-python")], timeoutSeconds: 120);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --pytorch: cannot start", r.Stderr);
    }

    [FactWhenPytorch]
    public void Bench_pytorch_times_the_original_at_one_and_all_threads_beside_our_figure()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, ["bench", "--steps", "20", "--repeats", "1", "--eval-size", "200", "--data-dir", _mnist.DataDir, "--json", "bench.json", "--pytorch"], timeoutSeconds: 600);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("bench.json")));
        var pytorch = doc.RootElement.GetProperty("pytorch");
        var byThreads = pytorch.GetProperty("ms_per_step_by_threads");
        Assert.True(byThreads.GetProperty("1").GetDouble() > 0);
        Assert.True(byThreads.GetProperty(Environment.ProcessorCount.ToString()).GetDouble() > 0);
        double speedup = doc.RootElement.GetProperty("speedup_over_pytorch").GetDouble();
        double best = Math.Min(byThreads.GetProperty("1").GetDouble(), byThreads.GetProperty(Environment.ProcessorCount.ToString()).GetDouble());
        Assert.Equal(best / doc.RootElement.GetProperty("train_ms_per_step").GetDouble(), speedup, 6);
        Assert.Contains("speed-up over PyTorch", r.Stdout);
        double bound = doc.RootElement.GetProperty("speedup_bound_over_pytorch").GetDouble();
        Assert.Equal(best / doc.RootElement.GetProperty("floor_ms_per_step").GetDouble(), bound, 6);
        Assert.Contains("speed-up bound", r.Stdout);
    }
}
