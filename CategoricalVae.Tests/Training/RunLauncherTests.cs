using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Runs;
using CategoricalVae.Training;
using TorchSharp;
using Xunit;

namespace CategoricalVae.Tests.Training;

/// <summary>Runs started in-process through <see cref="RunLauncher"/>, the entry `train`, `bench` and `sweep` share.</summary>
[Trait("Category", Category.Unit)]
[Collection(ProcessStateCollection.Name)]   // sets libtorch's thread count for the whole process
public class RunLauncherTests
{
    sealed class Recorder : ITrainingObserver
    {
        public List<BatchReport> Batches { get; } = [];
        public List<EpochMetrics> Epochs { get; } = [];
        public Action<BatchReport>? OnBatch { get; init; }

        public void BatchDone(BatchReport batch)
        {
            Batches.Add(batch);
            OnBatch?.Invoke(batch);
        }

        public void EpochDone(EpochMetrics metrics, EpochTimings timings) => Epochs.Add(metrics);
    }

    static TrainOptions Small(string runsDir) => TrainOptions.Defaults with
    {
        Epochs = 2, RunsDir = runsDir, Threads = 1, Device = "cpu", TensorBoard = false, AnnealEvery = 2, AnnealRate = 0.01,
    };

    static RunLauncher Launcher(MnistData data) => new(_ => data) { Console = ConsoleOutput.None };

    [Fact]
    public void A_run_writes_its_folder_and_tells_the_observer_about_every_batch_and_epoch()
    {
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 250, test: 60);
        using var stop = new StopSignal();
        var recorder = new Recorder();
        var result = Launcher(data).Start(Small(dir.Path) with { Name = "api" }, stop, recorder);

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.Matches(@"\d{8}-\d{6}-soft-api$", result.RunPath);
        // 250 examples in batches of 100: 3 batches per epoch, the last one partial.
        Assert.Equal([(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)], recorder.Batches.Select(b => (b.Epoch, b.Batch)));
        Assert.Equal([1L, 2, 3, 4, 5, 6], recorder.Batches.Select(b => b.StepsDone));
        Assert.All(recorder.Batches, b => Assert.Equal(3, b.Batches));
        var rows = MetricsCsv.Read(Path.Combine(result.RunPath, RunLayout.MetricsName));
        Assert.Equal(recorder.Epochs.Select(MetricsCsv.Format), rows.Select(MetricsCsv.Format));
        Assert.Equal(rows[^1], result.LastEpoch);
        Assert.Equal(2, RunConfig.Load(Path.Combine(result.RunPath, RunLayout.ConfigName)).Options.Epochs);
        Assert.False(File.Exists(Path.Combine(result.RunPath, RunLayout.LockName)));
    }

    [Fact]
    public void Loaded_data_is_shared_between_runs_and_binarising_a_run_never_changes_it()
    {
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 200, test: 50);
        using var before = data.Train.Images.clone();
        using var testBefore = data.Test.Images.clone();
        using var stop = new StopSignal();
        var launcher = Launcher(data);
        var binarised = launcher.Start(Small(dir.Path) with { Epochs = 1, Binarize = Binarization.Fixed, Name = "fixed" }, stop);
        var grey = launcher.Start(Small(dir.Path) with { Epochs = 1, Name = "grey" }, stop);

        Assert.True(data.Train.Images.equal(before).all().item<bool>(), "the shared training images changed");
        Assert.True(data.Test.Images.equal(testBefore).all().item<bool>(), "the shared test images changed");
        // Same seed, other pixels: the binarised run really saw other data than the grey one.
        Assert.NotEqual(binarised.LastEpoch!.TrainLoss, grey.LastEpoch!.TrainLoss);
        Assert.Equal(2020L, RunConfig.Load(Path.Combine(binarised.RunPath, RunLayout.ConfigName)).Options.BinarizeSeed);
    }

    [Fact]
    public void A_run_stopped_mid_epoch_and_resumed_ends_exactly_like_an_uninterrupted_one()
    {
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 300, test: 60);
        var launcher = Launcher(data);
        using var quiet = new StopSignal();
        var whole = launcher.Start(Small(dir.Path) with { Epochs = 3, Name = "whole" }, quiet);

        using var stop = new StopSignal();
        var stopper = new Recorder { OnBatch = b => { if (b.StepsDone == 4) stop.Request(); } };
        var parts = launcher.Start(Small(dir.Path) with { Epochs = 3, Name = "parts" }, stop, stopper);
        Assert.Equal(TrainingOutcome.Interrupted, parts.Outcome);
        Assert.Equal((1, 1), (Checkpoint.Load(Path.Combine(parts.RunPath, RunLayout.CheckpointName)) is var s ? (s.EpochsCompleted, s.BatchesDoneInEpoch) : default));

        using var again = new StopSignal();
        var resumed = launcher.Resume(parts.RunPath, saved => saved, force: false, again);
        Assert.Equal(TrainingOutcome.Completed, resumed.Outcome);
        Assert.Equal(RunFolder.LossColumns(whole.RunPath), RunFolder.LossColumns(parts.RunPath));
    }

    [Fact]
    public void No_tensor_outlives_its_step_or_epoch()
    {
        // Complements the RSS test (guarantee 7): a tensor leaked every step, however small, shows up here as a count
        // that grows from one epoch to the next.
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 200, test: 50);
        using var stop = new StopSignal();
        var live = new List<long>();
        var counter = new EpochCounter(() => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        Launcher(data).Start(Small(dir.Path) with { Epochs = 4, Binarize = Binarization.Dynamic }, stop, counter);
        Assert.Equal(4, live.Count);
        Assert.True(live[1] == live[2] && live[2] == live[3], "live tensors after each epoch: " + string.Join(", ", live));
    }

    sealed class EpochCounter(Action atEpochEnd) : ITrainingObserver
    {
        public void EpochDone(EpochMetrics metrics, EpochTimings timings) => atEpochEnd();
    }

    [Fact]
    public void Resume_refuses_fewer_epochs_than_done_and_changes_nothing()
    {
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 100, test: 20);
        using var stop = new StopSignal();
        var launcher = Launcher(data);
        var run = launcher.Start(Small(dir.Path), stop);
        string config = File.ReadAllText(Path.Combine(run.RunPath, RunLayout.ConfigName));

        var e = Assert.Throws<UserFacingException>(() => launcher.Resume(run.RunPath, o => o with { Epochs = 1 }, force: false, stop));
        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.Contains("--epochs 1 is fewer than the 2 epochs", e.Message);
        Assert.Equal(config, File.ReadAllText(Path.Combine(run.RunPath, RunLayout.ConfigName)));

        var same = launcher.Resume(run.RunPath, o => o, force: false, stop);
        Assert.Equal(TrainingOutcome.Completed, same.Outcome);
        Assert.Equal(config, File.ReadAllText(Path.Combine(run.RunPath, RunLayout.ConfigName)));
    }

    [Fact]
    public void The_fused_pass_and_the_autograd_graph_train_alike_and_a_folder_from_before_the_fused_pass_resumes_through_the_graph()
    {
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 300, test: 60);
        var launcher = Launcher(data);
        using var stop = new StopSignal();
        var fused = launcher.Start(Small(dir.Path) with { Name = "fused" }, stop);
        var graph = launcher.Start(Small(dir.Path) with { Name = "graph", Autograd = true }, stop);
        Assert.Contains("through the fused CPU pass", File.ReadAllText(Path.Combine(fused.RunPath, RunLayout.LogName)));
        Assert.Contains("through TorchSharp's autograd graph (as the run asks)", File.ReadAllText(Path.Combine(graph.RunPath, RunLayout.LogName)));
        var (a, b) = (RunFolder.LossColumns(fused.RunPath), RunFolder.LossColumns(graph.RunPath));
        Assert.NotEqual(a[0][3], b[0][3]); // different rounding: not the same code path
        // Relative agreement for the losses; the KL of this tiny model is ≈0.005 nats, where rounding that drifts
        // over two epochs is relatively larger, so it also gets an absolute 1e-4 nats.
        for (int row = 0; row < a.Count; row++)
            for (int col = 3; col < a[row].Length; col++)
                Assert.Equal(b[row][col], a[row][col], Math.Abs(b[row][col]) * 1e-3 + 1e-4);

        // Older config.json files have no "autograd": such a run was trained through the graph and resumes through it,
        // so its third epoch equals that of the same run trained in one go through the graph.
        var whole = launcher.Start(Small(dir.Path) with { Name = "whole", Autograd = true, Epochs = 3 }, stop);
        string config = Path.Combine(graph.RunPath, RunLayout.ConfigName);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!;
        Assert.True(json["options"]!.AsObject().Remove("autograd"));
        File.WriteAllText(config, json.ToJsonString());
        var resumed = launcher.Resume(graph.RunPath, o => o with { Epochs = 3 }, force: false, stop);
        Assert.Equal(TrainingOutcome.Completed, resumed.Outcome);
        Assert.Equal(RunFolder.LossColumns(whole.RunPath), RunFolder.LossColumns(graph.RunPath));
    }

    /// <summary>bfloat16 products are refused on a processor without bfloat16 dot products (here one that says so, not
    /// the machine's), with one line naming the way out; --emulate-bf16 or a processor that has them trains, and the
    /// run records its precision.</summary>
    [Fact]
    public void Bf16_is_refused_without_bfloat16_dot_products_unless_emulation_is_asked_for()
    {
        if (!CategoricalVae.Native.TeamProduct.IsBf16Available)
            return;
        using var dir = new TempDir();
        using var data = SyntheticData.Create(train: 200, test: 50);
        using var stop = new StopSignal();
        var without = new CategoricalVae.Native.ProcessorFeatures(false, "x86-64 with AVX2");
        var with = new CategoricalVae.Native.ProcessorFeatures(true, "x86-64 with AVX512-BF16");
        var bf16 = Small(dir.Path) with { Epochs = 1, Precision = CategoricalVae.Model.Precision.Bf16 };

        var refused = Assert.Throws<UserFacingException>(() => new RunLauncher(_ => data, processor: without) { Console = ConsoleOutput.None }.Start(bf16, stop));
        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        Assert.StartsWith("--precision bf16: this processor (x86-64 with AVX2) has no bfloat16 dot products", refused.Message);
        Assert.Contains("--emulate-bf16", refused.Message);
        Assert.Empty(Directory.GetDirectories(dir.Path));

        var emulated = new RunLauncher(_ => data, processor: without) { Console = ConsoleOutput.None }.Start(bf16 with { EmulateBf16 = true, Name = "emulated" }, stop);
        Assert.Equal(TrainingOutcome.Completed, emulated.Outcome);
        Assert.Contains("bf16 (emulated) products", File.ReadAllText(Path.Combine(emulated.RunPath, RunLayout.LogName)));
        var native = new RunLauncher(_ => data, processor: with) { Console = ConsoleOutput.None }.Start(bf16 with { Name = "native" }, stop);
        Assert.Equal(CategoricalVae.Model.Precision.Bf16, RunConfig.Load(Path.Combine(native.RunPath, RunLayout.ConfigName)).Options.Precision);
        Assert.Contains("with bfloat16 products", File.ReadAllText(Path.Combine(native.RunPath, RunLayout.LogName)));
        Assert.Equal("bf16", RunSummary.Load(native.RunPath)!.Precision);   // compare's precision column
        // The same arithmetic either way: the emulation is the processor's business, not the run's.
        Assert.Equal(RunFolder.LossColumns(emulated.RunPath), RunFolder.LossColumns(native.RunPath));
    }

    [Fact]
    public void Bf16_rules_refuse_what_the_fused_pass_cannot_do()
    {
        var bf16 = TrainOptions.Defaults with { Precision = CategoricalVae.Model.Precision.Bf16 };
        Assert.Null(bf16.Problem());
        Assert.Contains("--autograd", (bf16 with { Autograd = true }).Problem());
        Assert.Contains("score-function", (bf16 with { Estimator = CategoricalVae.Model.Estimators.GradientEstimator.ScoreFunction }).Problem());
        Assert.Equal("--emulate-bf16 needs --precision bf16.", (TrainOptions.Defaults with { EmulateBf16 = true }).Problem());
    }
}
