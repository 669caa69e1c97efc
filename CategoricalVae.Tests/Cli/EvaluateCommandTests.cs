using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Cli;

/// <summary>`evaluate` on runs trained on real MNIST subsets.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class EvaluateCommandTests
{
    readonly RealMnist _mnist;

    public EvaluateCommandTests(RealMnist mnist) => _mnist = mnist;

    CliRunner.Result Evaluate(TempDir dir, string run, params string[] extra) =>
        CliRunner.Run(dir.Path, ["evaluate", run, "--data-dir", _mnist.DataDir, "--offline", "--test-limit", "200", .. extra]);

    [Fact]
    public void Evaluate_writes_bounds_and_reproduces_the_runs_test_loss_from_the_recorded_binarisation_seed()
    {
        using var dir = new TempDir();
        var train = CliRunner.Run(dir.Path, _mnist.Args("runs", [.. SmallRun.Args(2, 1000, 200),
            "--binarize", "fixed", "--binarize-seed", "77"]));
        Assert.True(train.ExitCode == 0, train.Stdout + train.Stderr);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.Contains("\"binarize_seed\": 77", File.ReadAllText(Path.Combine(run, RunLayout.ConfigName)));
        var lastRow = RunFolder.Rows(run)[^1];

        var r = Evaluate(dir, run, "--samples", "50");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("IW bound (m=50", r.Stdout);
        var report = EvaluationReport.FromJson(File.ReadAllText(Path.Combine(run, RunLayout.EvaluationName)));
        Assert.Equal(("fixed", 77L, "bernoulli", 200, 50, 2, 20L), (report.Binarize, report.BinarizeSeed, report.Likelihood, report.TestExamples, report.Samples, report.EpochsCompleted, report.GlobalStep));

        // The relaxed pass uses the run's evaluation noise for that epoch, so on the same binarised pixels it
        // must give exactly metrics.csv's test loss.
        Assert.Equal(lastRow.Temperature, report.Relaxed.Temperature, 12);
        Assert.Equal(lastRow.TestLoss, report.Relaxed.Loss, lastRow.TestLoss * 1e-9);

        // Binary pixels and a 30×10 latent after 20 steps: a loss of a few hundred nats, ELBO below the IW bound.
        Assert.InRange(report.NegativeElbo, 100, 400);
        Assert.True(report.ImportanceWeightedBound.Mean > report.DiscreteElbo.Mean + 1,
            $"IW {report.ImportanceWeightedBound.Mean} vs ELBO {report.DiscreteElbo.Mean}");
        Assert.Equal(-report.ImportanceWeightedBound.Mean, report.NegativeLogLikelihoodEstimate);
        Assert.InRange(report.DiscreteElbo.StandardError, 0.1, 20);
        Assert.InRange(report.KlToPrior, 0, 30 * Math.Log(10));

        // Same seed: same numbers. Another binarisation seed: other pixels, another test loss.
        var again = Evaluate(dir, run, "--samples", "50", "--out", dir.File("again.json"));
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        var second = EvaluationReport.FromJson(File.ReadAllText(dir.File("again.json")));
        Assert.Equal(report.ImportanceWeightedBound, second.ImportanceWeightedBound);
        Assert.Equal(report.DiscreteElbo, second.DiscreteElbo);

        var other = Evaluate(dir, run, "--samples", "1", "--binarize-seed", "78", "--out", dir.File("other.json"));
        Assert.True(other.ExitCode == 0, other.Stdout + other.Stderr);
        var otherReport = EvaluationReport.FromJson(File.ReadAllText(dir.File("other.json")));
        Assert.Equal(78L, otherReport.BinarizeSeed);
        Assert.True(Math.Abs(otherReport.Relaxed.Loss - lastRow.TestLoss) > 1e-6, "a different binarisation must change the test loss");

        // SIGTERM (as Ctrl+C) stops a long evaluation between batches with exit 130 and writes nothing.
        if (!OperatingSystem.IsWindows())
        {
            using var p = CliRunner.Start(dir.Path, ["evaluate", run, "--data-dir", _mnist.DataDir, "--offline", "--test-limit", "200",
                "--samples", "20000", "--out", dir.File("stopped.json")]);
            Assert.StartsWith("Evaluating", p.StandardOutput.ReadLine());
            CliRunner.Terminate(p);
            Assert.True(p.WaitForExit(60_000), "evaluate did not stop");
            Assert.Equal(130, p.ExitCode);
            Assert.Contains("nothing written", p.StandardError.ReadToEnd());
            Assert.False(File.Exists(dir.File("stopped.json")));
        }

        var grey = Evaluate(dir, run, "--samples", "1", "--binarize", "none", "--out", dir.File("grey.json"));
        Assert.True(grey.ExitCode == 0, grey.Stdout + grey.Stderr);
        Assert.Contains("not a likelihood", grey.Stdout);
        Assert.Contains("not a normalised likelihood", EvaluationReport.FromJson(File.ReadAllText(dir.File("grey.json"))).Likelihood);
    }

    [Fact]
    public void Dynamic_binarisation_is_reproducible_and_survives_a_mid_epoch_resume()
    {
        using var dir = new TempDir();
        string[] common = [.. SmallRun.Args(2, 1000, 200), "--binarize", "dynamic"];
        var whole = CliRunner.Run(dir.Path, _mnist.Args("whole", common));
        Assert.True(whole.ExitCode == 0, whole.Stdout + whole.Stderr);
        var stopped = CliRunner.Run(dir.Path, _mnist.Args("parts", common),
            new Dictionary<string, string> { ["CATEGORICALVAE_TEST_STOP_AFTER_STEP"] = "15" });
        Assert.True(stopped.ExitCode == 130, stopped.Stdout + stopped.Stderr);
        string run = RunFolder.Single(dir.File("parts"));
        var resumed = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run));
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Equal(RunFolder.LossColumns(RunFolder.Single(dir.File("whole"))), RunFolder.LossColumns(run));

        var fixedRun = CliRunner.Run(dir.Path, _mnist.Args("fixed", [.. common[..^1], "fixed"]));
        Assert.True(fixedRun.ExitCode == 0, fixedRun.Stdout + fixedRun.Stderr);
        var dynamicRows = RunFolder.Rows(run);
        var fixedRows = RunFolder.Rows(RunFolder.Single(dir.File("fixed")));
        // Same test pixels (the test set is binarised once either way), different training pixels.
        Assert.NotEqual(dynamicRows[0].TrainLoss, fixedRows[0].TrainLoss);
    }

    [Fact]
    public void A_damaged_checkpoint_is_refused_and_checkpoint_picks_another_one()
    {
        using var dir = new TempDir();
        var train = CliRunner.Run(dir.Path, _mnist.Args("runs", [.. SmallRun.Args(1, 300, 100)]));
        Assert.True(train.ExitCode == 0, train.Stdout + train.Stderr);
        string run = RunFolder.Single(dir.File("runs")), checkpoint = Path.Combine(run, RunLayout.CheckpointName);
        File.Copy(checkpoint, dir.File("saved.bin"));
        byte[] bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 2)]);

        var refused = Evaluate(dir, run, "--samples", "2");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("checkpoint is truncated or corrupt", refused.Stderr);
        Assert.False(File.Exists(Path.Combine(run, RunLayout.EvaluationName)));

        var other = Evaluate(dir, run, "--samples", "2", "--checkpoint", dir.File("saved.bin"));
        Assert.True(other.ExitCode == 0, other.Stdout + other.Stderr);
        var report = EvaluationReport.FromJson(File.ReadAllText(Path.Combine(run, RunLayout.EvaluationName)));
        Assert.Equal(dir.File("saved.bin"), report.Checkpoint);
        Assert.Equal(Checkpoint.StoredHash(dir.File("saved.bin")), report.CheckpointSha256);
        Assert.Equal(1, report.EpochsCompleted);
    }
}
