using System.Text.Json;
using System.Text.Json.Nodes;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Cli;

/// <summary>Every estimator trains and is scored on real MNIST; folders written before estimators existed keep working.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class EstimatorRunTests
{
    readonly RealMnist _mnist;

    public EstimatorRunTests(RealMnist mnist) => _mnist = mnist;

    static string RunFolder(TempDir dir, string runs) => Directory.GetDirectories(dir.File(runs)).Single();

    [Theory]
    [InlineData("gumbel-softmax", "soft")]
    [InlineData("st-gumbel-softmax", "hard")]
    [InlineData("straight-through", "straight-through")]
    [InlineData("score-function", "score-function")]
    [InlineData("softmax", "softmax")]
    [InlineData("argmax", "argmax")]
    [InlineData("reinmax", "reinmax")]
    [InlineData("gumbel-rao", "gumbel-rao")]
    [InlineData("rloo", "rloo")]
    public void Each_estimator_trains_two_epochs_on_5000_images_without_NaN_and_evaluate_scores_it(string estimator, string label)
    {
        using var dir = new TempDir();
        var train = CliRunner.Run(dir.Path, _mnist.Args("runs", ["--estimator", estimator, .. SmallRun.Args(2, 5000, 500), "--threads", "1"]));
        Assert.True(train.ExitCode == 0, train.Stderr + train.Stdout);
        string run = RunFolder(dir, "runs");
        Assert.EndsWith("-" + label, run);
        var rows = MetricsCsv.Read(Path.Combine(run, RunLayout.MetricsName));
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.True(double.IsFinite(r.TrainLoss) && double.IsFinite(r.TestLoss), $"{estimator}: {MetricsCsv.Format(r)}"));
        var options = RunConfig.Load(Path.Combine(run, RunLayout.ConfigName)).Options;
        Assert.Equal(estimator, GradientEstimators.Name(options.Estimator));

        var evaluate = CliRunner.Run(dir.Path, ["evaluate", run, "--data-dir", _mnist.DataDir, "--offline", "--test-limit", "200", "--samples", "10", "--threads", "1"]);
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, RunLayout.EvaluationName)));
        Assert.Equal(estimator, report.RootElement.GetProperty("estimator").GetString());
        Assert.True(double.IsFinite(report.RootElement.GetProperty("discrete_elbo").GetProperty("mean").GetDouble()));
    }

    [Fact]
    public void A_hard_run_folder_from_before_estimators_still_resumes_evaluates_and_compares()
    {
        using var dir = new TempDir();
        var train = CliRunner.Run(dir.Path, _mnist.Args("runs", ["--hard", .. SmallRun.Args(1, 500, 200)]));
        Assert.Equal(0, train.ExitCode);
        string run = RunFolder(dir, "runs");
        // Older versions wrote only "hard" into config.json.
        string config = Path.Combine(run, RunLayout.ConfigName);
        var json = JsonNode.Parse(File.ReadAllText(config))!;
        Assert.True(json["options"]!.AsObject().Remove("estimator"));
        File.WriteAllText(config, json.ToJsonString());

        var resumed = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "2"));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(2, MetricsCsv.Read(Path.Combine(run, RunLayout.MetricsName)).Count);
        var evaluate = CliRunner.Run(dir.Path, ["evaluate", run, "--data-dir", _mnist.DataDir, "--offline", "--test-limit", "100", "--samples", "5"]);
        Assert.Equal(0, evaluate.ExitCode);
        var compare = CliRunner.Run(dir.Path, ["compare", run, "--out", dir.File("c.png")]);
        Assert.Equal(0, compare.ExitCode);
        Assert.Contains("st-gumbel-softmax", compare.Stdout);
        // Asking for another estimator on resume is refused like any run-defining option.
        var other = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--epochs", "3", "--estimator", "score-function"));
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("--estimator st-gumbel-softmax", other.Stderr);
    }

    [Fact]
    public void Gradvar_prints_a_row_per_estimator_and_writes_gradvar_json_and_refuses_unknown_names()
    {
        using var dir = new TempDir();
        var train = CliRunner.Run(dir.Path, _mnist.Args("runs", [.. SmallRun.Args(1, 500, 100)]));
        Assert.Equal(0, train.ExitCode);
        string run = RunFolder(dir, "runs");
        var r = CliRunner.Run(dir.Path, ["gradvar", run, "--samples", "4", "--batch", "20", "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (var kind in GradientEstimators.All)
            Assert.Contains(GradientEstimators.Name(kind) + " ", r.Stdout);
        var report = JsonSerializer.Deserialize<GradientVarianceReport>(File.ReadAllText(Path.Combine(run, RunLayout.GradientVarianceName)), RunConfig.Json)!;
        Assert.Equal(GradientEstimators.All.Length, report.Estimators.Count);
        Assert.All(report.Estimators, e => Assert.Null(e.RelativeSquaredBias));
        Assert.Equal(20, report.TestImages);
        Assert.Equal(0, report.Estimators.Single(e => e.Estimator == "softmax").TotalVariance);
        Assert.True(report.Estimators.Single(e => e.Estimator == "score-function").TotalVariance > 0);

        var bad = CliRunner.Run(dir.Path, ["gradvar", run, "--estimators", "gumbel-softmax,reinforce", "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("error: --estimators: 'reinforce' is not an estimator (one of gumbel-softmax, st-gumbel-softmax, straight-through, score-function, softmax, argmax, reinmax, gumbel-rao, rloo).",
            bad.Stderr.Trim());
    }

    /// <summary>--exact on a small latent writes bias and variance for every estimator, at the latest checkpoint or a
    /// kept one; on a latent of too many codes it is refused with the count, before any work.</summary>
    [Fact]
    public void Gradvar_exact_writes_every_estimators_bias_and_is_refused_above_65536_codes()
    {
        using var dir = new TempDir();
        var train = CliRunner.Run(dir.Path, _mnist.Args("runs", [.. SmallRun.Args(2, 500, 100), "--latent-dim", "3", "--categories", "3", "--keep-checkpoints", "1"]));
        Assert.True(train.ExitCode == 0, train.Stderr);
        string run = RunFolder(dir, "runs");
        var r = CliRunner.Run(dir.Path, ["gradvar", run, "--exact", "--samples", "20", "--batch", "10", "--checkpoint", "1", "--threads", "1",
            "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Contains("rel_sq_bias", r.Stdout);
        var report = JsonSerializer.Deserialize<GradientVarianceReport>(File.ReadAllText(Path.Combine(run, RunLayout.GradientVarianceName)), RunConfig.Json)!;
        Assert.Equal(1, report.EpochsCompleted);
        Assert.Equal(Path.GetFileName(new RunLayout(run).KeptCheckpoint(1)), report.Checkpoint);
        Assert.True(report.ExactGradientNorm > 0);
        Assert.Equal(GradientEstimators.All.Length, report.Estimators.Count);
        Assert.All(report.Estimators, e =>
        {
            Assert.True(e.RelativeSquaredBias is { } b && double.IsFinite(b), e.Estimator);
            Assert.True(e.RelativeSquaredBiasStandardError is >= 0, e.Estimator);
            Assert.True(e.CosineToExact is >= -1 and <= 1, e.Estimator);
        });

        var big = CliRunner.Run(dir.Path, _mnist.Args("big", [.. SmallRun.Args(1, 100, 100)]));
        Assert.Equal(0, big.ExitCode);
        var refused = CliRunner.Run(dir.Path, ["gradvar", RunFolder(dir, "big"), "--exact", "--data-dir", _mnist.DataDir, "--offline"]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("error: --exact: " + Path.GetFileName(RunFolder(dir, "big")) + "'s latent has 10^30 = more than 9.2e18 codes; enumerating them is done for at most 65,536 (for example --latent-dim 8 --categories 4).",
            refused.Stderr.Trim());
        Assert.False(File.Exists(Path.Combine(RunFolder(dir, "big"), RunLayout.GradientVarianceName)));
    }
}
