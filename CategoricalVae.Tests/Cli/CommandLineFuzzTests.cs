using System.Globalization;
using System.Text.RegularExpressions;
using CategoricalVae.Cli;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using Xunit;

namespace CategoricalVae.Tests.Cli;

/// <summary>
/// The fuzz approach of the IDX reader, applied to the command line: random option combinations with values drawn
/// from the extremes of each type, run in-process on small synthetic data. Whatever the input: an exit code of 0, 1
/// or 2, no .NET type name or stack trace in the output, no unreadable metrics row, bounded memory.
/// </summary>
[Trait("Category", Category.EndToEnd)]
[Collection(ProcessStateCollection.Name)]
public class CommandLineFuzzTests(Xunit.Abstractions.ITestOutputHelper log)
{
    const string IntMax = "2147483647", IntMin = "-2147483648", LongMax = "9223372036854775807", LongMin = "-9223372036854775808";

    /// <summary>Values for each option: accepted ones (including the extremes that are accepted), then refused ones.</summary>
    static readonly Dictionary<string, (string[] Accepted, string[] Refused)> Values = new()
    {
        ["--batch-size"] = (["1", "7", "100", IntMax], ["0", "-1", IntMin, "2147483648", "1.5", "x"]),
        ["--lr"] = (["1e-3", "0.1", "1e11", "1e308", "1e-300"], ["0", "-1", "NaN", "Infinity", "-0", "1e400", "x"]),
        ["--temperature"] = (["1", "0.5", "1e308", "2"], ["1e-300", "0", "-1", "NaN", "Infinity", "x"]),
        ["--temp-min"] = (["0.5", "1e-4", "1"], ["9e-5", "1e308", "0", "-1", "NaN"]),
        ["--anneal-rate"] = (["0", "3e-5", "1", "1e308"], ["-1", "NaN", "Infinity"]),
        ["--anneal-every"] = (["1", "100", IntMax], ["0", "-1", IntMin]),
        ["--anneal-schedule"] = (["global", "seed", "SEED"], ["sideways", ""]),
        ["--latent-dim"] = (["1", "2", "30"], [IntMax, "0", "-1", "1e3"]),
        ["--categories"] = (["2", "10", "3"], [IntMax, "1", "0", "-1"]),
        ["--seed"] = (["0", "1", "-1", LongMax, LongMin], ["9223372036854775808", "x"]),
        ["--binarize"] = (["none", "fixed", "dynamic", "Fixed"], ["sometimes"]),
        ["--binarize-seed"] = (["5", LongMin, LongMax], ["x"]),
        ["--log-interval"] = (["1", "10", IntMax], ["0", "-1"]),
        ["--threads"] = (["1", "2"], ["0", "-1", "257", IntMax, "x"]),
        ["--device"] = (["cpu", "auto"], ["cuda", "tpu", ""]),
        ["--train-limit"] = (["1", "50", "300", IntMax], ["0", "-1"]),
        ["--test-limit"] = (["1", "50", IntMax], ["0", "-1"]),
        ["--name"] = (["a", "tau-study", "größe"], ["..", ".", "x:y*?<>|", "a\nb", "a b", new string('n', 65), ""]),
        ["--temp"] = ([], ["1"]), // not an option
        ["--hard"] = ([], []), ["--no-logit-relu"] = ([], []), ["--stock-adam"] = ([], []), ["--offline"] = ([], []),
        ["--no-tensorboard"] = ([], []), ["--force"] = ([], []),
    };

    static readonly Regex DotNetLeak = new(@"\b[A-Z]\w*Exception\b|^\s+at \S+\(|System\.[A-Z]|CategoricalVae\.[A-Z]\w*\.", RegexOptions.Multiline);

    [Fact]
    public async Task Random_option_combinations_never_crash_leak_internals_or_write_an_unreadable_row()
    {
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 300, test: 60);
        var services = new CliServices(NoFaults.Instance, [], (_, _) => data);
        var random = new Random(20261124);
        var seen = new Dictionary<int, int>();
        TextWriter stdout = Console.Out, stderr = Console.Error;
        try
        {
            for (int i = 0; i < 300; i++)
            {
                var args = new List<string>();
                // Epochs stay small unless refused: an accepted huge value would rightly train for days.
                args.AddRange(["--epochs", random.Next(5) == 0 ? Pick(random, ["0", "-1", IntMin, "2147483648", "x"]) : Pick(random, ["1", "2"])]);
                foreach (string option in Values.Keys.OrderBy(_ => random.Next()).Take(random.Next(1, 6)))
                {
                    args.Add(option);
                    var (accepted, refused) = Values[option];
                    if (accepted.Length + refused.Length > 0)
                        args.Add(Pick(random, refused.Length > 0 && (accepted.Length == 0 || random.Next(5) == 0) ? refused : accepted));
                }
                if (random.Next(4) == 0)
                    args.AddRange(["--resume", random.Next(2) == 0 ? dir.File("no-such-run") : AnyRun(dir.File("runs")) ?? dir.File("runs")]);
                args.AddRange(["--runs-dir", dir.File("runs"), "--data-dir", dir.File("data")]);

                var output = new StringWriter();
                Console.SetOut(output);
                Console.SetError(output);
                int code;
                try
                {
                    code = await CliApp.RunAsync([.. args], services);
                }
                finally
                {
                    Console.SetOut(stdout);
                    Console.SetError(stderr);
                }
                string said = output.ToString();
                string call = string.Join(' ', args.Select(a => a.Replace("\n", "\\n")));
                Assert.True(code is ExitCodes.Success or ExitCodes.Failed or ExitCodes.Refused, $"exit {code} for {call}: {said}");
                Assert.False(DotNetLeak.IsMatch(said), $"internals leaked for {call}: {said}");
                // A refusal or failure says why in one line; a numerical fault through the guard's own message.
                if (code != ExitCodes.Success)
                    Assert.True(said.Contains("error: ") || (code == ExitCodes.Failed && said.Contains(" became ")), $"no reason for exit {code} of {call}: {said}");
                seen[code] = seen.GetValueOrDefault(code) + 1;
                if (Directory.Exists(dir.File("runs")))
                    foreach (string metrics in Directory.GetFiles(dir.File("runs"), RunLayout.MetricsName, SearchOption.AllDirectories))
                    {
                        var file = MetricsCsv.ReadWithNotes(metrics);
                        Assert.False(file.Damaged, $"{metrics} after {call}: {string.Join("; ", file.Notes)}");
                        // Readable is not enough: every row is a real epoch of real steps with finite losses.
                        Assert.All(file.Rows, row => Assert.True(double.IsFinite(row.TrainLoss) && double.IsFinite(row.TestLoss), $"{metrics} after {call}"));
                        Assert.True(file.Rows.Zip(file.Rows.Skip(1)).All(p => p.Second.GlobalStep > p.First.GlobalStep) && file.Rows.All(r => r.GlobalStep > 0), $"{metrics} after {call}");
                    }
                Assert.True(Environment.WorkingSet < 3L << 30, $"{Environment.WorkingSet >> 20} MB after {call}");
            }
        }
        finally
        {
            TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
        }
        log.WriteLine("exit codes: " + string.Join(", ", seen.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}")));
        // The draw reaches all three outcomes: runs that train, fail and are refused.
        Assert.True(seen.GetValueOrDefault(ExitCodes.Success) >= 20, string.Join(", ", seen));
        Assert.True(seen.GetValueOrDefault(ExitCodes.Failed) >= 1, string.Join(", ", seen));
        Assert.True(seen.GetValueOrDefault(ExitCodes.Refused) >= 50, string.Join(", ", seen));
    }

    static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    static string? AnyRun(string runsDir) =>
        Directory.Exists(runsDir) ? Directory.GetDirectories(runsDir).Order(StringComparer.Ordinal).FirstOrDefault() : null;
}
