using Xunit;

namespace CategoricalVae.Tests.Cli;

[Trait("Category", Category.EndToEnd)]
public class CommandLineTests
{
    [Theory]
    [InlineData("--epochs -1", "--epochs must be at least 1")]
    [InlineData("--epochs 0", "--epochs must be at least 1")]
    [InlineData("--epochs abc", "abc")]
    [InlineData("--batch-size 0", "--batch-size must be at least 1")]
    [InlineData("--lr -0.1", "--lr must be a positive number")]
    [InlineData("--lr 1e-300", "below float32's smallest normal number")]
    [InlineData("--name --hard", "--name '--hard' is not a valid label")]
    [InlineData("--epochs --runs-dir x", "--epochs expects a whole number, not '--runs-dir'")]
    [InlineData("--temperature 0", "--temperature must be a positive number")]
    [InlineData("--temperature -1", "--temperature must be a positive number")]
    [InlineData("--temp-min 2", "--temp-min (2) must not exceed --temperature (1)")]
    [InlineData("--temp-min 1e-9", "float32 softmax")]
    [InlineData("--anneal-rate -1", "--anneal-rate must be zero or positive")]
    [InlineData("--anneal-every 0", "--anneal-every must be at least 1")]
    [InlineData("--anneal-schedule bogus", "bogus")]
    [InlineData("--latent-dim 0", "--latent-dim must be at least 1")]
    [InlineData("--categories 1", "--categories must be at least 2")]
    [InlineData("--log-interval 0", "--log-interval must be at least 1")]
    [InlineData("--device tpu", "--device expects one of auto, cpu, cuda")]
    [InlineData("--threads 0", "--threads must be between 1 and 256")]
    [InlineData("--train-limit 0", "--train-limit must be at least 1")]
    [InlineData("--test-limit -3", "--test-limit must be at least 1")]
    [InlineData("--name a/b", "--name 'a/b' is not a valid label")]
    [InlineData("--resume /no/such/run", "--resume: /no/such/run is not a folder")]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--binarize sometimes", "sometimes")]
    [InlineData("--estimator reinforce", "reinforce")]
    [InlineData("--estimator score-function --hard", "--hard contradicts --estimator score-function")]
    [InlineData("--binarize-seed 5", "--binarize-seed needs --binarize fixed or dynamic")]
    public void Invalid_values_give_one_line_and_exit_code_2_before_any_work(string args, string expected)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, [.. args.Split(' '), "--data-dir", dir.File("data"), "--runs-dir", dir.File("runs")], timeoutSeconds: 120);
        Assert.Equal(2, r.ExitCode);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.False(Directory.Exists(dir.File("runs")), "no run folder may be created");
        Assert.False(Directory.Exists(dir.File("data")), "no data may be fetched");
    }

    [Fact]
    public void Resume_of_a_folder_without_checkpoint_is_refused()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, ["--resume", dir.Path], timeoutSeconds: 120);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("has no config.json, so it is not a run folder", r.Stderr);
    }

    /// <summary>The documented defaults, written out here (not read from the code) so a swapped default fails.</summary>
    static readonly Dictionary<string, string?> DocumentedDefaults = new()
    {
        ["--epochs"] = "10", ["--batch-size"] = "100", ["--lr"] = "0.001", ["--temperature"] = "1", ["--temp-min"] = "0.5",
        ["--anneal-rate"] = "3E-05", ["--anneal-every"] = "100", ["--anneal-schedule"] = "global", ["--latent-dim"] = "30",
        ["--categories"] = "10", ["--seed"] = "2020", ["--binarize"] = "none", ["--log-interval"] = "10", ["--device"] = "auto",
        ["--threads"] = Environment.ProcessorCount.ToString(), ["--data-dir"] = "data", ["--runs-dir"] = "runs",
        ["--hard"] = null, ["--no-logit-relu"] = null, ["--binarize-seed"] = null, ["--train-limit"] = null, ["--test-limit"] = null,
        ["--no-tensorboard"] = null, ["--stock-adam"] = null, ["--offline"] = null, ["--name"] = null, ["--resume"] = null, ["--force"] = null,
        ["--estimator"] = "gumbel-softmax", ["--run-dir"] = null, ["--autograd"] = null, ["--keep-checkpoints"] = null,
        ["--rao-samples"] = "10", ["--rloo-samples"] = "4", ["--precision"] = "fp32", ["--emulate-bf16"] = null,
    };

    [Fact]
    public void Help_shows_each_option_on_its_own_line_with_its_own_default()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, ["--help"], timeoutSeconds: 120);
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n').Select(l => l.TrimEnd()).ToList();
        foreach (var (option, value) in DocumentedDefaults)
        {
            string line = Assert.Single(lines, l => l.TrimStart().StartsWith(option + " ", StringComparison.Ordinal) || l.Trim() == option);
            if (value == null)
                Assert.DoesNotContain("[default:", line);
            else
                Assert.EndsWith($"[default: {value}]", line);
        }
        // Every option the help lists is one of those written out above.
        var listed = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\s+(--[a-z0-9-]+)").Groups[1].Value).Where(o => o.Length > 0).ToHashSet();
        listed.ExceptWith(["--help", "--version"]);
        Assert.Empty(listed.Except(DocumentedDefaults.Keys));
        // Choices are shown as users type them.
        Assert.Contains("--anneal-schedule <global|seed>", r.Stdout);
        Assert.Contains("--binarize <none|fixed|dynamic>", r.Stdout);
    }

    [Fact]
    public void Inside_a_checkout_runs_and_data_default_to_its_top_level_folders()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("CategoricalVae.sln"), "");
        Directory.CreateDirectory(dir.File("CategoricalVae"));
        var help = CliRunner.Run(dir.File("CategoricalVae"), ["--help"], timeoutSeconds: 120);
        Assert.Contains($"[default: {dir.File("runs")}]", help.Stdout);
        Assert.Contains($"[default: {dir.File("data")}]", help.Stdout);
    }

    [Theory]
    [InlineData("evaluate /no/such/run", "evaluate: /no/such/run is not a folder")]
    [InlineData("evaluate .", "has no config.json")]
    public void Evaluate_refuses_what_is_not_a_run_in_one_line(string args, string expected)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run(dir.Path, args.Split(' '), timeoutSeconds: 120);
        Assert.Equal(2, r.ExitCode);
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }
}
