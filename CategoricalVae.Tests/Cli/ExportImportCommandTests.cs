using System.Text.Json.Nodes;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Cli;

/// <summary>`export` and `import` end to end: a run travels out and back in, and evaluates as it did.</summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class ExportImportCommandTests
{
    readonly RealMnist _mnist;

    public ExportImportCommandTests(RealMnist mnist) => _mnist = mnist;

    static readonly string[] Tiny = [.. SmallRun.Args(1, 300, 100), "--threads", "1"];

    static void Ok(CliRunner.Result r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");

    EvaluationReport Evaluate(TempDir dir, string run, string output)
    {
        Ok(CliRunner.Run(dir.Path, ["evaluate", run, "--data-dir", _mnist.DataDir, "--offline", "--test-limit", "100", "--threads", "1",
            "--seed", "11", "--binarize", "fixed", "--samples", "20", "--out", output]));
        return EvaluationReport.FromJson(File.ReadAllText(output));
    }

    [Fact]
    public void An_exported_run_imports_into_a_run_that_evaluates_exactly_as_the_original()
    {
        using var dir = new TempDir();
        // Nothing default about this model, so the JSON beside the weights must carry every fact of it.
        Ok(CliRunner.Run(dir.Path, _mnist.Args("trained", [.. Tiny, "--latent-dim", "12", "--categories", "5", "--no-logit-relu", "--hard",
            "--binarize", "fixed", "--seed", "3", "--keep-checkpoints", "0"])));
        string run = RunFolder.Single(dir.File("trained"));
        string name = Path.GetFileName(run);

        var exported = CliRunner.Run(dir.Path, ["export", run]);
        Ok(exported);
        Assert.Contains("--no-logit-relu", exported.Stdout);
        string pt = Path.Combine(run, name + ".pt");
        Ok(CliRunner.Run(dir.Path, ["export", run, "--format", "safetensors", "--out", dir.File("model.safetensors")]));
        Ok(CliRunner.Run(dir.Path, ["export", run, "--checkpoint", "0"]));
        Assert.True(File.Exists(Path.Combine(run, name + "-epoch-0.pt.json")));

        var metadata = JsonNode.Parse(File.ReadAllText(pt + ".json"))!;
        Assert.Equal((12, 5, false, "st-gumbel-softmax", "fixed", 3L, name, 1),
            ((int)metadata["latent_dim"]!, (int)metadata["categories"]!, (bool)metadata["relu_on_logits"]!, (string)metadata["estimator"]!,
             (string)metadata["binarize"]!, (long)metadata["binarize_seed"]!, (string)metadata["run"]!, (int)metadata["epochs_completed"]!));
        Assert.Equal(RunFolder.Rows(run)[0].Temperature, (double)metadata["temperature"]!);
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias", "fc5.weight", "fc5.bias", "fc6.weight", "fc6.bias"],
            metadata["tensors"]!.AsObject().Select(kv => kv.Key));
        Assert.Null(metadata["options"]!["data_dir"]);

        Ok(CliRunner.Run(dir.Path, ["import", pt, "--runs-dir", dir.File("imported"), "--threads", "1"]));
        Ok(CliRunner.Run(dir.Path, ["import", dir.File("model.safetensors"), "--runs-dir", dir.File("imported"), "--name", "st", "--threads", "1"]));
        string fromPt = Directory.GetDirectories(dir.File("imported")).Single(d => d.EndsWith("-hard-imported"));
        string fromSafetensors = Directory.GetDirectories(dir.File("imported")).Single(d => d.EndsWith("-hard-st"));

        var config = RunConfig.Load(Path.Combine(fromPt, RunLayout.ConfigName));
        var o = config.Options;
        Assert.Equal((12, 5, false, true, 3L, 3L), (o.LatentDim, o.Categories, o.ReluOnLogits, o.Hard, o.Seed, o.BinarizationSeed));
        Assert.Equal((name, "pt", 1), (config.Imported!.Run, config.Imported.Format, config.Imported.EpochsCompleted));
        Assert.False(File.Exists(Path.Combine(fromPt, RunLayout.MetricsName)));

        var original = Evaluate(dir, run, dir.File("original.json"));
        foreach (var imported in new[] { fromPt, fromSafetensors })
        {
            var report = Evaluate(dir, imported, dir.File(Path.GetFileName(imported) + ".json"));
            Assert.Equal(original.DiscreteElbo, report.DiscreteElbo);
            Assert.Equal(original.ImportanceWeightedBound, report.ImportanceWeightedBound);
            Assert.Equal(original.KlToPrior, report.KlToPrior);
            Assert.Equal(0, report.EpochsCompleted);
        }

        Ok(CliRunner.Run(dir.Path, ["gradvar", fromPt, "--samples", "2", "--batch", "10", "--estimators", "gumbel-softmax,straight-through",
            "--data-dir", _mnist.DataDir, "--offline", "--threads", "1"]));
        Assert.True(File.Exists(Path.Combine(fromPt, RunLayout.GradientVarianceName)));
        var compare = CliRunner.Run(dir.Path, ["compare", run, fromPt, "--out", dir.File("compare.png")]);
        Ok(compare);
        Assert.Contains(Path.GetFileName(fromPt), compare.Stdout);

        // --resume trains the imported weights further, with a fresh Adam, and says so.
        Ok(CliRunner.Run(dir.Path, _mnist.ResumeArgs(fromPt, "--threads", "1")));
        Assert.Single(RunFolder.Rows(fromPt));
        Assert.Contains("Adam starts fresh", File.ReadAllText(Path.Combine(fromPt, RunLayout.LogName)));
        Assert.True(File.Exists(new RunLayout(fromPt).TestReconstruction(1)));
    }

    [Fact]
    public void Weights_without_their_json_need_the_model_options_and_a_damaged_import_is_never_restarted_from_random_weights()
    {
        using var dir = new TempDir();
        string file = dir.File("weights.pt");
        WeightsFiles.WritePt(file, WeightsFiles.StateDict(12, 5));

        var refused = CliRunner.Run(dir.Path, ["import", file, "--runs-dir", dir.File("runs"), "--threads", "1"]);
        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        Assert.Contains("give --latent-dim and --categories whose product is 60", refused.Stderr);

        var imported = CliRunner.Run(dir.Path, ["import", file, "--runs-dir", dir.File("runs"), "--latent-dim", "12", "--categories", "5", "--threads", "1"]);
        Ok(imported);
        string run = RunFolder.Single(dir.File("runs"));
        Assert.DoesNotContain("options of", imported.Stdout);
        Assert.Null(RunConfig.Load(Path.Combine(run, RunLayout.ConfigName)).Imported!.Run);

        string checkpoint = Path.Combine(run, RunLayout.CheckpointName);
        File.WriteAllBytes(checkpoint, File.ReadAllBytes(checkpoint)[..1000]);
        string before = RunFolder.Fingerprint(run);
        var resumed = CliRunner.Run(dir.Path, _mnist.ResumeArgs(run, "--force", "--threads", "1"));
        Assert.Equal(ExitCodes.Refused, resumed.ExitCode);
        Assert.Contains("holds weights imported from", resumed.Stderr);
        Assert.Equal(before, RunFolder.Fingerprint(run));
    }

    [Theory]
    [InlineData("float64", "are float64 and were rounded to float32")]
    [InlineData("float16", "are float16 and were widened to float32 exactly")]
    public void Float64_and_float16_weights_are_converted_with_a_warning(string type, string warning)
    {
        using var dir = new TempDir();
        var good = WeightsFiles.StateDict();
        var stored = good.ToDictionary(kv => kv.Key, kv => kv.Value.to(type == "float64" ? ScalarType.Float64 : ScalarType.Float16));
        string file = dir.File("weights.safetensors");
        WeightsFiles.WriteSafetensors(file, stored);

        var r = CliRunner.Run(dir.Path, ["import", file, "--runs-dir", dir.File("runs"), "--threads", "1"]);
        Ok(r);
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"warning: {file}: fc1.weight, fc1.bias,", line);
        Assert.Contains(warning, line);

        string run = RunFolder.Single(dir.File("runs"));
        var trained = TrainedRun.Open(run, "test");
        Assert.Equal(12, trained.Config.Imported!.Converted.Count);
        using var model = trained.LoadModel(CPU);
        foreach (var (name, parameter) in model.state_dict())
            // float32 → float64 → float32 is exact; float16 holds what it holds, exactly widened.
            Assert.True(parameter.equal(stored[name].to(ScalarType.Float32)).all().item<bool>(), name);
    }

    [Fact]
    public void Export_refuses_an_output_that_is_a_folder_or_one_of_the_runs_files()
    {
        using var dir = new TempDir();
        Ok(CliRunner.Run(dir.Path, _mnist.Args("runs", Tiny)));
        string run = RunFolder.Single(dir.File("runs"));
        string before = RunFolder.Fingerprint(run);
        File.WriteAllText(dir.File("a-file"), "not a folder");
        // The JSON goes beside the weights: --out <run>/config would write the run's config.json.
        foreach (var (output, expected) in new[] { (dir.Path, "is a folder"), (Path.Combine(run, RunLayout.CheckpointName), "is the run's own checkpoint.bin"),
                     (Path.Combine(run, "config"), "is the run's own config.json"), (dir.File("a-file/x.pt"), "is a file, not a folder") })
        {
            var r = CliRunner.Run(dir.Path, ["export", run, "--out", output]);
            Assert.Equal(ExitCodes.Refused, r.ExitCode);
            Assert.Contains(expected, Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }
        Assert.Equal(before, RunFolder.Fingerprint(run));
    }
}
