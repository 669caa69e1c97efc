using System.Text.Json;
using Xunit;

namespace CategoricalVae.Tests.Cli;

[Trait("Category", Category.EndToEnd)]
public class BenchCommandTests
{
    [Fact]
    public void Bench_runs_with_a_tiny_step_count_and_its_json_has_every_field()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, ["bench", "--steps", "10", "--repeats", "2", "--eval-size", "200", "--data-dir", dir.File("no-data"), "--json", "bench.json"], timeoutSeconds: 300);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("training / floor", r.Stdout);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("bench.json")));
        var root = json.RootElement;
        string[] fields =
        [
            "time_utc", "machine", "cores", "threads", "torch_sharp_version", "lib_torch_version", "batch_size", "steps", "repeats",
            "hard", "data_source", "gflop_per_step", "floor_ms_per_step", "floor_gflops", "train_ms_per_step",
            "train_examples_per_second", "train_to_floor_ratio", "epoch_seconds600_steps", "eval_seconds", "eval_examples",
            "eval_to_epoch_ratio", "artifact_seconds", "artifact_to_epoch_ratio", "startup_seconds", "peak_rss_mb", "phases",
        ];
        foreach (string field in fields)
            Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
        Assert.Equal("synthetic", root.GetProperty("data_source").GetString());
        Assert.Equal(0.731136, root.GetProperty("gflop_per_step").GetDouble(), 6);
        foreach (string positive in new[] { "floor_ms_per_step", "train_ms_per_step", "eval_seconds", "artifact_seconds", "startup_seconds", "peak_rss_mb" })
            Assert.True(root.GetProperty(positive).GetDouble() > 0, positive);
        Assert.Equal(200, root.GetProperty("eval_examples").GetInt32());
        foreach (string phase in new[] { "batch_ms", "forward_loss_ms", "backward_ms", "gradient_check_ms", "optimizer_ms", "stock_adam_ms" })
            Assert.True(root.GetProperty("phases").GetProperty(phase).GetDouble() > 0, phase);
        Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "categoricalvae-bench-*"), d => Directory.GetCreationTimeUtc(d) > DateTime.UtcNow.AddMinutes(-5));
    }
}
