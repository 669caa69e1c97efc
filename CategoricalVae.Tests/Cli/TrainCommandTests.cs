using System.Text.Json;
using CategoricalVae.Data;
using CategoricalVae.Runs;
using SkiaSharp;
using Xunit;

namespace CategoricalVae.Tests.Cli;

/// <summary>The real executable on real MNIST subsets, as a researcher would run it.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class TrainCommandTests
{
    /// <summary>Run-file names, from the one place that spells them.</summary>
    static readonly RunLayout Layout = new("");

    readonly RealMnist _mnist;

    public TrainCommandTests(RealMnist mnist) => _mnist = mnist;

    string[] Args(string runsDir, params string[] extra) => _mnist.Args(runsDir, extra);

    [Fact]
    public void The_real_fetch_chain_yields_verified_mnist_with_the_standard_counts()
    {
        Assert.Equal(4, _mnist.Files.Count);
        Assert.NotEmpty(_mnist.Said); // it said which source it used
        Assert.Equal(60000, IdxReader.ReadImages(_mnist.Files[MnistFile.TrainImages]).Count);
        Assert.Equal(60000, IdxReader.ReadLabels(_mnist.Files[MnistFile.TrainLabels]).Length);
        Assert.Equal(10000, IdxReader.ReadImages(_mnist.Files[MnistFile.TestImages]).Count);
        Assert.Equal(10000, IdxReader.ReadLabels(_mnist.Files[MnistFile.TestLabels]).Length);
        foreach (var (file, path) in _mnist.Files)
            Assert.Equal(file.Md5, Md5.OfContent(path));
    }

    [Fact]
    public void Two_epochs_on_a_subset_write_every_artifact_and_the_test_loss_falls()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(2, 2000, 500, tensorBoard: true), "--name", "e2e"]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.Matches(@"^\d{8}-\d{6}-soft-e2e$", Path.GetFileName(run));

        string header = File.ReadLines(Path.Combine(run, RunLayout.MetricsName)).First();
        Assert.Equal(MetricsCsv.Header, header);
        Assert.Equal("epoch,global_step,temperature,train_loss,train_bce,train_kl,test_loss,test_bce,test_kl,epoch_seconds,examples_per_second,latent_perplexity,dead_latents,active_latents", header);
        var rows = RunFolder.Rows(run);
        Assert.Equal(2, rows.Count);
        Assert.True(rows[1].TestLoss < rows[0].TestLoss, $"{rows[0].TestLoss} -> {rows[1].TestLoss}");
        Assert.Equal(40, rows[1].GlobalStep);
        Assert.InRange(rows[1].TestLoss, 100, 300);
        Assert.Equal(rows[1].TestBce + rows[1].TestKl, rows[1].TestLoss, 1e-6 * rows[1].TestLoss);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, RunLayout.ConfigName)));
        Assert.Equal(2020, config.RootElement.GetProperty("options").GetProperty("seed").GetInt64());
        Assert.Equal("0.107.0", config.RootElement.GetProperty("torch_sharp_version").GetString());

        var cell = 28 + 2;
        foreach (int epoch in new[] { 1, 2 })
        {
            AssertPng(new RunLayout(run).TrainReconstruction(epoch), 10 * cell + 2, 10 * cell + 2);
            AssertPng(new RunLayout(run).TestReconstruction(epoch), 8 * cell + 2, 2 * cell + 2);
            AssertPng(new RunLayout(run).PriorSamples(epoch), 8 * cell + 2, 8 * cell + 2);
        }
        AssertPng(Path.Combine(run, RunLayout.LossPlotName), 800, 500);
        AssertPng(new RunLayout(run).Traversal(2), 10 * cell + 2, 30 * cell + 2);
        AssertPng(new RunLayout(run).LatentUsage(2), 1000, 900);
        Assert.InRange(rows[1].LatentPerplexity, 1.0, 10.0);
        Assert.InRange(rows[1].DeadLatents, 0, 30);
        // latents.csv: 30 rows per epoch, and metrics.csv's active count is the number of activities above 0.01.
        var latents = LatentsCsv.Read(Path.Combine(run, RunLayout.LatentsName));
        Assert.Equal(60, latents.Count);
        foreach (var row in rows)
        {
            var ofEpoch = latents.Where(l => l.Epoch == row.Epoch).ToList();
            Assert.Equal(Enumerable.Range(0, 30), ofEpoch.Select(l => l.Latent));
            Assert.Equal(row.ActiveLatents, ofEpoch.Count(l => l.Activity > 0.01));
            Assert.Equal(row.TestKl, ofEpoch.Sum(l => l.Kl), 1e-3); // the per-latent KLs add up to the test KL
            Assert.Equal(row.LatentPerplexity, ofEpoch.Average(l => l.Perplexity), 9);
        }

        // The pictures show what they say: the test grid's top row is the first 8 test images exactly (grey levels
        // /255 and back), the borders are grey, and no cell of any picture is a constant image.
        byte[] testImages = IdxReader.ReadImages(_mnist.Files[MnistFile.TestImages]).Pixels;
        var comparison = PngGrid.Read(new RunLayout(run).TestReconstruction(2));
        for (int i = 0; i < 8; i++)
            Assert.Equal(testImages.AsSpan(i * 784, 784).ToArray(), comparison.Cell(0, i));
        foreach (string picture in new[] { Layout.TestReconstruction(2), Layout.TrainReconstruction(2), Layout.PriorSamples(2), Layout.Traversal(2) }.Select(f => Path.GetFileName(f)))
        {
            var grid = PngGrid.Read(Path.Combine(run, picture));
            Assert.All(grid.BorderPixels(), p => Assert.Equal(110, p));
            for (int row = 0; row < grid.Rows; row++)
                for (int col = 0; col < grid.Cols; col++)
                {
                    byte[] image = grid.Cell(row, col);
                    Assert.True(image.Max() > image.Min(), $"{picture}: cell ({row}, {col}) is a constant image");
                }
        }
        // Reconstructions are not the originals (the model does not copy them through).
        Assert.NotEqual(comparison.Cell(0, 0), comparison.Cell(1, 0));

        // The checkpoint loads and says where training stands.
        var state = Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName));
        Assert.Equal((2, 0, 40L, rows[1].Temperature), (state.EpochsCompleted, state.BatchesDoneInEpoch, state.GlobalStep, state.Temperature));

        // TensorBoard: Unix wall times from the start, every scalar at the global step, equal to metrics.csv.
        string events = Directory.GetFiles(run, "events.out.tfevents.*").Single();
        var records = TfRecord.Events(events);
        Assert.Equal("brain.Event:2", records[0].FileVersion);
        // Unix seconds, written when the run started (config.json's start time), not .NET ticks.
        double started = (config.RootElement.GetProperty("start_time_utc").GetDateTime().ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;
        Assert.InRange(records[0].WallTime, started - 1, started + 60);
        Assert.True(records[0].WallTime <= (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds);
        Assert.Equal((long)records[0].WallTime, long.Parse(Path.GetFileName(events).Split('.')[3]));
        Assert.Contains(records, e => e.WallTime != Math.Floor(e.WallTime)); // sub-second times
        float Scalar(string tag, long step) => records.Single(e => e.Step == step && e.Summary?.Value.Any(v => v.Tag == tag) == true)
            .Summary.Value.Single(v => v.Tag == tag).SimpleValue;
        foreach (var row in rows)
        {
            Assert.Equal((float)row.TestLoss, Scalar("loss/test", row.GlobalStep));
            Assert.Equal((float)row.TrainLoss, Scalar("loss/train", row.GlobalStep));
            Assert.Equal((float)row.TestKl, Scalar("kl/test", row.GlobalStep));
            Assert.Equal((float)row.Temperature, Scalar("temperature", row.GlobalStep));
            Assert.Equal(row.Epoch, Scalar("epoch", row.GlobalStep));
        }
        Assert.Contains(records, e => e.Summary?.Value.Any(v => v.Tag == "batch/loss") == true && e.Step == 21);
        Assert.Equal(2, records.Count(e => e.Summary?.Value.Any(v => v.Tag == "reconstruction/test" && v.Image != null) == true));

        string log = File.ReadAllText(Path.Combine(run, RunLayout.LogName));
        Assert.Contains("Train Epoch: 2 [", log);
        Assert.Contains("====> Epoch: 2", log);
        Assert.False(File.Exists(Path.Combine(run, RunLayout.LockName)));
        Assert.Empty(Directory.GetFiles(run, "*.tmp"));
    }

    [Fact]
    public void Started_inside_the_project_folder_a_run_lands_in_the_checkouts_top_level_runs_folder()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("CategoricalVae.sln"), "");
        string project = dir.File("CategoricalVae");
        Directory.CreateDirectory(project);
        var r = CliRunner.Run(project, [.. SmallRun.Args(1, 100, 100, tensorBoard: true), "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.Contains($"Run folder {run} (", r.Stdout); // the absolute path
        Assert.False(Directory.Exists(Path.Combine(project, "runs")));
        // An explicit relative path stays relative to the working directory.
        var mine = CliRunner.Run(project, [.. SmallRun.Args(1, 100, 100, tensorBoard: true), "--data-dir", _mnist.DataDir, "--offline", "--runs-dir", "mine"]);
        Assert.True(mine.ExitCode == 0, mine.Stdout + mine.Stderr);
        Assert.Single(Directory.GetDirectories(Path.Combine(project, "mine")));
    }

    [Fact]
    public void The_source_schedule_and_the_run_without_logit_relu_train_as_documented()
    {
        using var dir = new TempDir();
        string[] common = [.. SmallRun.Args(2, 2000, 200)];
        var seed = CliRunner.Run(dir.Path, Args("seed", [.. common, "--anneal-schedule", "seed", "--anneal-rate", "0.01"]));
        Assert.True(seed.ExitCode == 0, seed.Stdout + seed.Stderr);
        // 20 batches an epoch: the source updates τ after batch_idx 1 only, τ = exp(−0.01·1), and restarts each epoch.
        var rows = RunFolder.Rows(RunFolder.Single(dir.File("seed")));
        Assert.All(rows, r => Assert.Equal(Math.Exp(-0.01), r.Temperature, 12));

        var plain = CliRunner.Run(dir.Path, Args("relu", common));
        var noRelu = CliRunner.Run(dir.Path, Args("norelu", [.. common, "--no-logit-relu"]));
        Assert.True(plain.ExitCode == 0 && noRelu.ExitCode == 0, plain.Stderr + noRelu.Stderr);
        string run = RunFolder.Single(dir.File("norelu"));
        Assert.Contains("\"relu_on_logits\": false", File.ReadAllText(Path.Combine(run, RunLayout.ConfigName)));
        Assert.NotEqual(RunFolder.LossColumns(RunFolder.Single(dir.File("relu"))), RunFolder.LossColumns(run));
    }

    [Fact]
    public void The_OpenMP_and_allocator_settings_change_speed_but_never_the_losses()
    {
        using var dir = new TempDir();
        string[] common = [.. SmallRun.Args(2, 1000, 200), "--threads", "2"];
        var defaults = CliRunner.Run(dir.Path, Args("defaults", common));
        var other = CliRunner.Run(dir.Path, Args("other", common), new Dictionary<string, string>
        {
            ["GOMP_SPINCOUNT"] = "300000", ["OMP_WAIT_POLICY"] = "PASSIVE", ["MALLOC_MMAP_THRESHOLD_"] = "4194304",
        });
        Assert.True(defaults.ExitCode == 0 && other.ExitCode == 0, defaults.Stderr + other.Stderr);
        string a = RunFolder.Single(dir.File("defaults")), b = RunFolder.Single(dir.File("other"));
        Assert.Contains("\"GOMP_SPINCOUNT\": \"1000\"", File.ReadAllText(Path.Combine(a, RunLayout.ConfigName)));
        Assert.Contains("\"OMP_WAIT_POLICY\": \"PASSIVE\"", File.ReadAllText(Path.Combine(b, RunLayout.ConfigName)));
        Assert.Equal(RunFolder.LossColumns(a), RunFolder.LossColumns(b));
    }

    static void AssertPng(string path, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.True(bitmap != null, $"{path} does not decode");
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Same_seed_gives_identical_loss_logs_and_another_seed_does_not()
    {
        using var dir = new TempDir();
        string[] common = [.. SmallRun.Args(2, 600, 200, tensorBoard: true)];
        foreach (var (runs, seed) in new[] { ("a", "7"), ("b", "7"), ("c", "8") })
        {
            var r = CliRunner.Run(dir.Path, Args(runs, [.. common, "--seed", seed, "--hard"]));
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        }
        var a = RunFolder.LossColumns(RunFolder.Single(dir.File("a")));
        var b = RunFolder.LossColumns(RunFolder.Single(dir.File("b")));
        var c = RunFolder.LossColumns(RunFolder.Single(dir.File("c")));
        Assert.Equal(2, a.Count);
        Assert.Equal(a, b);
        Assert.NotEqual(a[1][6], c[1][6]);
    }

    /// <summary>The fused Adam's square root is correctly rounded where TorchSharp's (MKL's) is not always, so the runs
    /// differ by roundings: every loss agrees to 1e-5 relative after 40 steps, while a different seed moves them by
    /// far more (the test above).</summary>
    [Fact]
    public void The_fused_Adam_gives_the_losses_of_TorchSharps_stock_Adam()
    {
        using var dir = new TempDir();
        string[] common = [.. SmallRun.Args(2, 2000, 300)];
        var fused = CliRunner.Run(dir.Path, Args("fused", common));
        Assert.True(fused.ExitCode == 0, fused.Stdout + fused.Stderr);
        var stock = CliRunner.Run(dir.Path, Args("stock", [.. common, "--stock-adam"]));
        Assert.True(stock.ExitCode == 0, stock.Stdout + stock.Stderr);
        var a = RunFolder.LossColumns(RunFolder.Single(dir.File("fused")));
        var b = RunFolder.LossColumns(RunFolder.Single(dir.File("stock")));
        Assert.Equal(2, a.Count);
        Assert.Equal(b.Count, a.Count);
        for (int row = 0; row < a.Count; row++)
            for (int column = 0; column < a[row].Length; column++)
                Assert.True(Math.Abs(a[row][column] - b[row][column]) <= 1e-5 * Math.Abs(b[row][column]),
                    $"epoch {row + 1}, column {column}: fused {a[row][column]} against stock {b[row][column]}");
    }

    [Theory]
    [InlineData(15)] // mid-epoch 2 (10 batches per epoch)
    [InlineData(10)] // exactly at the end of epoch 1
    public void Resume_after_a_stop_equals_an_uninterrupted_run(int stopAfterStep)
    {
        using var dir = new TempDir();
        string[] common = [.. SmallRun.Args(3, 1000, 200, tensorBoard: true), "--anneal-every", "3", "--anneal-rate", "0.01"];
        var whole = CliRunner.Run(dir.Path, Args("whole", common));
        Assert.True(whole.ExitCode == 0, whole.Stdout + whole.Stderr);

        var stopped = CliRunner.Run(dir.Path, Args("parts", common),
            new Dictionary<string, string> { ["CATEGORICALVAE_TEST_STOP_AFTER_STEP"] = stopAfterStep.ToString() });
        Assert.True(stopped.ExitCode == 130, stopped.Stdout + stopped.Stderr);
        Assert.Contains("--resume", stopped.Stdout);
        string run = RunFolder.Single(dir.File("parts"));
        Assert.Equal(stopAfterStep / 10, RunFolder.Rows(run).Count);

        var resumed = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run));
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal(RunFolder.LossColumns(RunFolder.Single(dir.File("whole"))), RunFolder.LossColumns(run));
        Assert.Single(Directory.GetDirectories(dir.File("parts"))); // resumed in place, no new folder
    }

    [Fact]
    public async Task A_stop_signal_finishes_the_batch_checkpoints_and_exits_130()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var dir = new TempDir();
        using var p = CliRunner.Start(dir.Path, Args("runs", "--epochs", "1", "--test-limit", "100"));
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // The first training batch's picture exists once training is under way (600 batches to go).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Directory.Exists(dir.File("runs")) || !Directory.EnumerateFiles(dir.File("runs"), Path.GetFileName(Layout.TrainReconstruction(1)), SearchOption.AllDirectories).Any())
        {
            if (p.HasExited)
                Assert.Fail("exited before training started: " + await stdout + await stderr);
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "training never started");
            await Task.Delay(20);
        }
        CliRunner.Terminate(p);
        Assert.True(p.WaitForExit(120_000));
        string rest = await stdout;
        Assert.True(p.ExitCode == 130, rest + await stderr);
        Assert.Contains("Stopped by request during epoch 1", rest);
        string run = RunFolder.Single(dir.File("runs"));
        var state = Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName));
        Assert.Equal(0, state.EpochsCompleted);
        Assert.InRange(state.BatchesDoneInEpoch, 1, 599);
        Assert.Empty(RunFolder.Rows(run));
    }

    [Fact]
    public void A_NaN_loss_stops_the_run_naming_the_step_and_keeps_the_last_good_checkpoint()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(3, 300, 100, tensorBoard: true)]),
            new Dictionary<string, string> { ["CATEGORICALVAE_TEST_NAN_LOSS_AT_STEP"] = "4" });
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Loss became NaN at epoch 2, batch 1 (global step 4)", r.Stdout);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.Single(RunFolder.Rows(run));
        var state = Checkpoint.Load(Path.Combine(run, RunLayout.CheckpointName));
        Assert.Equal((1, 0, 3L), (state.EpochsCompleted, state.BatchesDoneInEpoch, state.GlobalStep));
    }

    [Fact]
    public void Resume_refuses_flags_that_contradict_the_run()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, Args("runs", [.. SmallRun.Args(1, 300, 100, tensorBoard: true)]));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string run = RunFolder.Single(dir.File("runs"));
        var bad = CliRunner.Run(dir.Path, ["--resume", run, "--latent-dim", "20", "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("this run has --latent-dim 30 (config.json), not 20", bad.Stderr);
        var hard = CliRunner.Run(dir.Path, ["--resume", run, "--hard", "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.Equal(2, hard.ExitCode);
        Assert.Contains("this run has --hard off (config.json), not on", hard.Stderr);
    }
}
