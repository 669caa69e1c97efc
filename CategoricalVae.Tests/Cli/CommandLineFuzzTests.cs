using System.Globalization;
using System.Text.RegularExpressions;
using CategoricalVae.Cli;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using CategoricalVae.Training;
using Xunit;

namespace CategoricalVae.Tests.Cli;

/// <summary>
/// The fuzz approach of the IDX reader, applied to the command line: random option combinations with values drawn
/// from the extremes of each type, run in-process on small synthetic data. Whatever the input: an exit code of 0, 1
/// or 2, no .NET type name or stack trace in the output, no unreadable metrics row, bounded memory. The newer
/// commands (sweep, compare, evaluate, gradvar, bench) get hostile strings for every path option besides.
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

    /// <summary>Runs one command line in-process with its output captured; returns the exit code and what it said.</summary>
    static async Task<(int Code, string Said)> Invoke(IReadOnlyList<string> args, CliServices services)
    {
        var output = new StringWriter();
        TextWriter stdout = Console.Out, stderr = Console.Error;
        Console.SetOut(output);
        Console.SetError(output);
        try
        {
            return (await CliApp.RunAsync([.. args], services), output.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Fact]
    public async Task The_newer_commands_take_hostile_paths_and_values_without_crashing_leaking_or_touching_a_runs_files()
    {
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 300, test: 60);
        var services = new CliServices(NoFaults.Instance, [], (_, _) => data);
        string cwd = Directory.CreateDirectory(dir.File("cwd")).FullName, previousCwd = Environment.CurrentDirectory;
        var random = new Random(20261207);
        var seen = new Dictionary<string, int>();
        try
        {
            // Relative paths land in a folder of the test's own.
            Environment.CurrentDirectory = cwd;
            string[] small = ["--epochs", "1", "--threads", "1", "--no-tensorboard"];
            Assert.Equal(0, (await Invoke(["--runs-dir", dir.File("runs"), "--data-dir", dir.File("data"), .. small], services)).Code);
            string run = RunFolder.Single(dir.File("runs"));
            Assert.Equal(0, (await Invoke(["sweep", "--vary", "hard=off,on", "--runs-dir", dir.File("sweeps"), "--data-dir", dir.File("data"), "--jobs", "1", .. small], services)).Code);
            Assert.Equal(0, (await Invoke(["sweep", "--vary", "lr=1e-3,2e-3", "--runs-dir", dir.File("planned"), "--plan-only", .. small], services)).Code);
            string sweep = Directory.GetDirectories(dir.File("sweeps")).Single(), planned = Directory.GetDirectories(dir.File("planned")).Single();
            var layout = new RunLayout(run);
            File.WriteAllText(dir.File("a-file"), "not a folder");
            File.CreateSymbolicLink(dir.File("dangling"), dir.File("gone"));
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [dir.File("fifo")]))
                mkfifo.WaitForExit();
            // The run's files may change only by the commands' own outputs into it.
            string Untouched() => string.Join("\n", RunFolder.Fingerprint(run).Split('\n')
                .Where(l => l[..l.LastIndexOf(' ')] is var name && name is not (RunLayout.EvaluationName or RunLayout.GradientVarianceName) && !layout.OwnsExport(name)));
            string runBefore = Untouched();

            string[] hostile =
            [
                "", " ", "-", "--", "/", "/proc/self/x", "/proc/x.json", "/dev/null", "/sys/x", "~", "%A_%a", ".", "..", dir.Path, dir.Path + "/",
                dir.File("a\nb"), dir.File("$(touch PWNED)"), dir.File("`touch PWNED`'\"x"), dir.File("tab\there"), dir.File(new string('n', 300)),
                dir.File("deep/er/out.json"), dir.File("ünï cødé"), dir.File("a-file"), dir.File("a-file/x"), dir.File("dangling"), dir.File("fifo"),
                layout.CheckpointFile, layout.MetricsFile, layout.ConfigFile, layout.LockFile, layout.KeptCheckpoint(1), run, sweep, planned,
                SweepFile.PathIn(sweep), Path.Combine(planned, SweepFile.CommandsName), Path.Combine(sweep, "hard-on_seed-2020", RunLayout.CheckpointName),
            ];
            // Folders a command may create things in: the hostile ones that stay inside the test's folder (a user may
            // well name / as a runs folder, and root may write there).
            string[] places = [.. hostile.Where(h => h.StartsWith(dir.Path, StringComparison.Ordinal) || h is "" or " " or "-" or "~" or "%A_%a" or "/proc/x.json" or "/dev/null")];
            string[] runs = [run, sweep, planned, dir.File("runs"), .. hostile];
            var commands = new (string Name, int Weight, Func<List<string>> Args)[]
            {
                ("sweep", 30, () =>
                {
                    var a = new List<string> { "sweep" };
                    if (random.Next(4) == 0)
                        a.AddRange(["--resume", Pick(random, [sweep, planned, run, .. hostile])]);
                    else
                    {
                        a.AddRange(["--vary", Pick(random, ["hard=off,on", "lr=1e-3,2e-3", "epochs=1,x", "bogus=1", "hard", "data-dir=a,b", "device=cpu,cuda",
                            "lr=" + string.Join(',', Enumerable.Range(1, 2000).Select(i => $"{i}e-6")), "seed=1,2", "hard=on,on"])]);
                        a.AddRange(["--runs-dir", Pick(random, places)]);
                        if (random.Next(3) == 0) a.AddRange(["--seeds", Pick(random, ["1,2", "a", "", "1,1", "-9223372036854775808"])]);
                        if (random.Next(2) == 0) a.Add("--plan-only");
                        if (random.Next(4) == 0) a.AddRange(["--slurm-limit", Pick(random, ["1", "0", "-5", IntMax, "x"])]);
                        if (random.Next(4) == 0) a.AddRange(["--name", Pick(random, ["tau", "a b", "..", "x\ny", ""])]);
                        a.AddRange(small);
                    }
                    if (random.Next(3) == 0) a.AddRange(["--data-dir", Pick(random, hostile)]);
                    if (random.Next(4) == 0) a.AddRange(["--jobs", Pick(random, ["1", "2", "0", "-1", IntMax, "x"])]);
                    if (random.Next(5) == 0) a.AddRange(["--device", Pick(random, ["cpu", "auto", "cuda", ""])]);
                    return a;
                }),
                ("compare", 25, () =>
                {
                    var a = new List<string> { "compare" };
                    for (int n = random.Next(3); n > 0; n--) a.Add(Pick(random, random.Next(2) == 0 ? [run, sweep, planned] : runs));
                    if (random.Next(2) == 0) a.AddRange(["--runs-dir", Pick(random, runs)]);
                    if (random.Next(3) == 0) a.AddRange(["--out", Pick(random, hostile)]);
                    if (random.Next(3) == 0) a.AddRange(["--csv", Pick(random, hostile)]);
                    if (random.Next(4) == 0) a.Add("--members");
                    if (random.Next(4) == 0) a.AddRange(["--metric", Pick(random, ["test_loss", "train_loss", "accuracy"])]);
                    if (random.Next(4) == 0) a.AddRange(["--sort", Pick(random, ["best", "time", "fastest"])]);
                    return a;
                }),
                ("evaluate", 20, () =>
                {
                    var a = new List<string> { "evaluate", Pick(random, random.Next(2) == 0 ? [run] : runs) };
                    if (random.Next(3) == 0) a.AddRange(["--data-dir", Pick(random, hostile)]);
                    a.AddRange(["--samples", random.Next(3) == 0 ? Pick(random, ["0", "-1", "x", IntMax]) : Pick(random, ["1", "3"])]);
                    if (random.Next(2) == 0) a.AddRange(["--out", Pick(random, hostile)]);
                    if (random.Next(3) == 0) a.AddRange(["--checkpoint", Pick(random, ["0", "1", "-1", .. hostile])]);
                    if (random.Next(4) == 0) a.AddRange(["--test-limit", Pick(random, ["1", "0", IntMax])]);
                    if (random.Next(4) == 0) a.AddRange(["--binarize", Pick(random, ["none", "fixed", "sometimes"])]);
                    if (random.Next(5) == 0) a.AddRange(["--device", Pick(random, ["cpu", "cuda"])]);
                    return a;
                }),
                ("gradvar", 15, () =>
                {
                    var a = new List<string> { "gradvar", Pick(random, random.Next(2) == 0 ? [run] : runs) };
                    if (random.Next(3) == 0) a.AddRange(["--data-dir", Pick(random, hostile)]);
                    a.AddRange(["--samples", Pick(random, ["2", "3", "1", "x"]), "--batch", Pick(random, ["1", "5", "5", "0", IntMax])]);
                    if (random.Next(2) == 0) a.AddRange(["--out", Pick(random, hostile)]);
                    if (random.Next(3) == 0) a.AddRange(["--checkpoint", Pick(random, ["0", "7", .. hostile])]);
                    if (random.Next(3) == 0) a.AddRange(["--estimators", Pick(random, ["all", "softmax,argmax", "bogus", "", ","])]);
                    if (random.Next(5) == 0) a.AddRange(["--device", Pick(random, ["cpu", "cuda"])]);
                    return a;
                }),
                ("export", 10, () =>
                {
                    var a = new List<string> { "export", Pick(random, random.Next(2) == 0 ? [run] : runs) };
                    if (random.Next(2) == 0) a.AddRange(["--out", Pick(random, hostile)]);
                    if (random.Next(3) == 0) a.AddRange(["--format", Pick(random, ["pt", "safetensors", "onnx"])]);
                    if (random.Next(4) == 0) a.AddRange(["--checkpoint", Pick(random, ["0", "1", .. hostile])]);
                    return a;
                }),
                ("import", 5, () => ["import", Pick(random, hostile), "--runs-dir", Pick(random, places), .. small]),
                ("bench", 10, () =>
                {
                    // Mostly refused: a bench that runs takes seconds.
                    var a = new List<string> { "bench", "--steps", Pick(random, ["1", "0", "2001", "x", "-1"]), "--repeats", Pick(random, ["1", "0", "1001"]),
                        "--eval-size", Pick(random, ["1", "0", "10001"]), "--threads", "1" };
                    if (random.Next(2) == 0) a.AddRange(["--json", Pick(random, hostile)]);
                    if (random.Next(2) == 0) a.AddRange(["--data-dir", Pick(random, hostile)]);
                    if (random.Next(4) == 0) a.AddRange(["--python", Pick(random, hostile)]);
                    return a;
                }),
            };
            int totalWeight = commands.Sum(c => c.Weight);
            for (int i = 0; i < 200; i++)
            {
                int draw = random.Next(totalWeight);
                var command = commands.First(c => (draw -= c.Weight) < 0);
                var args = command.Args();
                var (code, said) = await Invoke(args, services);
                string call = string.Join(' ', args.Select(a => a.Length > 80 ? a[..80] + "…" : a).Select(a => a.Replace("\n", "\\n")));
                Assert.True(code is ExitCodes.Success or ExitCodes.Failed or ExitCodes.Refused, $"exit {code} for {call}: {said}");
                Assert.False(DotNetLeak.IsMatch(said), $"internals leaked for {call}: {said}");
                if (code != ExitCodes.Success)
                    Assert.True(said.Contains("error: "), $"no reason for exit {code} of {call}: {said}");
                Assert.False(said.Contains("unexpected failure"), $"a crash for {call}: {said}");
                Assert.Equal(runBefore, Untouched());
                Assert.Empty(Directory.GetFiles(dir.Path, "PWNED*", SearchOption.AllDirectories));
                foreach (string metrics in Directory.GetFiles(dir.Path, RunLayout.MetricsName, SearchOption.AllDirectories))
                    if (new FileInfo(metrics).LinkTarget == null)
                        Assert.False(MetricsCsv.ReadWithNotes(metrics).Damaged, $"{metrics} after {call}");
                Assert.True(Environment.WorkingSet < 3L << 30, $"{Environment.WorkingSet >> 20} MB after {call}");
                string key = $"{command.Name} {code}";
                seen[key] = seen.GetValueOrDefault(key) + 1;
            }
        }
        finally
        {
            Environment.CurrentDirectory = previousCwd;
            TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
        }
        log.WriteLine("exit codes: " + string.Join(", ", seen.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}")));
        // Every command was both refused and carried out.
        foreach (string name in new[] { "sweep", "compare", "evaluate", "gradvar", "export" })
        {
            Assert.True(seen.GetValueOrDefault($"{name} {ExitCodes.Success}") >= 1, string.Join(", ", seen));
            Assert.True(seen.GetValueOrDefault($"{name} {ExitCodes.Refused}") >= 1, string.Join(", ", seen));
        }
        Assert.True(seen.GetValueOrDefault($"bench {ExitCodes.Refused}") >= 1, string.Join(", ", seen));
    }

    static string? AnyRun(string runsDir) =>
        Directory.Exists(runsDir) ? Directory.GetDirectories(runsDir).Order(StringComparer.Ordinal).FirstOrDefault() : null;
}
