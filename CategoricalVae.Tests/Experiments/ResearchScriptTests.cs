using System.Diagnostics;
using System.Text.Json;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Experiments;

/// <summary>Each research script of experiments/ runs as written, in a quick mode (its own options replaced from its
/// command line), against the app built beside the tests: an option renamed in the app breaks this test, not the
/// reader who copies the command from the docs.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class ResearchScriptTests
{
    readonly RealMnist _mnist;

    public ResearchScriptTests(RealMnist mnist) => _mnist = mnist;

    (int Code, string Output) Script(TempDir dir, string name, string[] args, Dictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(SourceTree.Root, "experiments", name), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.Path,
        };
        start.Environment["CATEGORICALVAE_DLL"] = CliRunner.AppDll;
        foreach (var (k, v) in env ?? []) start.Environment[k] = v;
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} did not finish in 10 minutes");
        }
        p.WaitForExit();
        return (p.ExitCode, output.Result + error.Result);
    }

    string[] Data(TempDir dir) => ["--data-dir", _mnist.DataDir, "--offline", "--runs-dir", dir.File("runs")];

    [Fact]
    public void The_paper_recipe_trains_and_evaluates_a_run_of_the_seed_given_after_the_mode()
    {
        using var dir = new TempDir();
        var (code, output) = Script(dir, "paper-recipe.sh", ["soft", "--seed", "3", "--epochs", "1", "--train-limit", "300", "--test-limit", "50", .. Data(dir)]);
        Assert.True(code == 0, output);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.EndsWith("-soft-paper-seed3", run);
        var options = RunConfig.Load(Path.Combine(run, RunLayout.ConfigName)).Options;
        Assert.Equal((3L, 1, 300, false, 1), (options.Seed, options.Epochs, options.TrainLimit!.Value, options.ReluOnLogits, options.Threads));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, RunLayout.EvaluationName)));
        Assert.Equal(50, report.RootElement.GetProperty("test_examples").GetInt32());
        Assert.Equal(1000, report.RootElement.GetProperty("samples").GetInt32());

        var (refused, said) = Script(dir, "paper-recipe.sh", ["medium"]);
        Assert.Equal(2, refused);
        Assert.Contains("error: the first argument must be soft or hard", said);
    }

    [Fact]
    public void The_logit_relu_sweep_trains_evaluates_and_compares_its_four_configurations()
    {
        using var dir = new TempDir();
        var (code, output) = Script(dir, "logit-relu.sh", ["--seeds", "1", "--epochs", "1", "--train-limit", "200", "--test-limit", "50", .. Data(dir)],
            new() { ["EVALUATE_SAMPLES"] = "5" });
        Assert.True(code == 0, output);
        string sweep = Directory.GetDirectories(dir.File("runs")).Single();
        Assert.Equal(4, SweepFile.Load(sweep).Members.Count);
        Assert.All(Directory.GetDirectories(sweep), m => Assert.True(File.Exists(Path.Combine(m, RunLayout.EvaluationName)), m));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(sweep, "groups.csv")).Length);
    }

    [Fact]
    public void The_estimator_comparison_runs_every_estimator_and_reinmax_at_tau_one()
    {
        using var dir = new TempDir();
        var (code, output) = Script(dir, "estimators.sh", ["--seeds", "1", "--epochs", "1", "--train-limit", "200", "--test-limit", "50", "--jobs", "2", .. Data(dir)],
            new() { ["EVALUATE_SAMPLES"] = "5", ["GRADVAR_SAMPLES"] = "3" });
        Assert.True(code == 0, output);
        var sweeps = Directory.GetDirectories(dir.File("runs")).Order().ToList();
        Assert.Equal(2, sweeps.Count);
        var members = sweeps.SelectMany(Directory.GetDirectories).ToList();
        Assert.Equal(10, members.Count);
        Assert.All(members, m =>
        {
            Assert.True(File.Exists(Path.Combine(m, RunLayout.EvaluationName)), m);
            Assert.True(File.Exists(Path.Combine(m, RunLayout.GradientVarianceName)), m);
        });
    }

    [Fact]
    public void The_bias_script_measures_every_estimator_exactly_at_each_kept_checkpoint()
    {
        using var dir = new TempDir();
        var (code, output) = Script(dir, "estimator-bias.sh",
            ["--seeds", "1", "--epochs", "2", "--keep-checkpoints", "1,2", "--latent-dim", "3", "--categories", "3", "--train-limit", "200", "--test-limit", "50", .. Data(dir)],
            new() { ["GRADVAR_SAMPLES"] = "4" });
        Assert.True(code == 0, output);
        string member = Directory.GetDirectories(Directory.GetDirectories(dir.File("runs")).Single()).Single();
        foreach (int epoch in new[] { 1, 2 })
        {
            var report = JsonSerializer.Deserialize<GradientVarianceReport>(File.ReadAllText(Path.Combine(member, $"gradvar-epoch-{epoch}.json")), RunConfig.Json)!;
            Assert.Equal(epoch, report.EpochsCompleted);
            Assert.All(report.Estimators, e => Assert.NotNull(e.RelativeSquaredBias));
        }
    }
}
