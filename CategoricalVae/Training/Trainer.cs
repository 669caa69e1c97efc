using System.Diagnostics;
using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Runs;
using Serilog;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// The epoch loop of the source script: train with Adam, evaluate on the test set at the current
/// temperature, then write metrics, pictures and a checkpoint. Every random draw comes from generators
/// seeded per epoch and stream (<see cref="SeedStreams"/>), so runs and resumed runs are reproducible.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly TrainOptions _o;
    readonly MnistDataset _train, _test;
    readonly RunDirectory _run;
    readonly ILogger _log;
    readonly StopSignal _stop;
    readonly Device _device;
    readonly TemperatureSchedule _schedule;
    readonly CategoricalVaeModel _model;
    readonly FusedAdam _optimizer;
    readonly RunArtifacts _artifacts;
    readonly TensorBoardLog? _tensorBoard;
    // Runs only while pictures, metrics, checkpoints or event files are written, so training and evaluation
    // times exclude them and `bench` can report the three apart.
    readonly Stopwatch _artifactClock = new();

    public Trainer(TrainOptions options, MnistDataset train, MnistDataset test, RunDirectory run, ILogger log, StopSignal stop, Device device)
    {
        _o = options;
        _train = train;
        _test = test;
        _run = run;
        _log = log;
        _stop = stop;
        _device = device;
        _schedule = options.CreateSchedule();
        torch.manual_seed(options.Seed); // weight initialisation
        _model = new CategoricalVaeModel(options.LatentDim, options.Categories, NewGenerator(0, SeedStreams.Stream.TrainNoise), options.ReluOnLogits);
        _model.to(device);
        _model.Sampler.Hard = options.Hard;
        _optimizer = new FusedAdam(_model.parameters(), options.LearningRate, fused: !options.StockAdam);
        _artifacts = new RunArtifacts(run, _model);
        _tensorBoard = options.TensorBoard ? new TensorBoardLog(run) : null;
    }

    /// <summary>Called with (batches done in epoch, batches in epoch, last batch loss) after every batch.</summary>
    public Action<int, int, double>? BatchDone { get; set; }

    /// <summary>Test hook: a loss value to substitute at a given global step (NaN injection).</summary>
    public Func<long, double?>? LossOverride { get; set; }

    /// <summary>Test hook: poison the gradients at this global step (0-based).</summary>
    public long? NanGradientAtStep { get; set; }

    /// <summary>Test hook: log the process RSS after these global steps.</summary>
    public IReadOnlySet<long> LogRssAtSteps { get; set; } = new HashSet<long>();

    /// <summary>Test hook: behave as if Ctrl+C arrived once this many global steps are done.</summary>
    public long? StopAfterStep { get; set; }

    public CategoricalVaeModel Model => _model;

    /// <summary>Called after each completed epoch with where its time went.</summary>
    public Action<EpochTimings>? EpochDone { get; set; }

    /// <summary>Where the time of the last completed epoch went.</summary>
    public EpochTimings? LastEpochTimings { get; private set; }

    void Artifact(Action write)
    {
        _artifactClock.Start();
        try { write(); }
        finally { _artifactClock.Stop(); }
    }

    /// <param name="wrapEpoch">Runs each epoch's training (the given action) inside something, e.g. a progress bar.</param>
    public TrainingOutcome Run(CheckpointState? resumeFrom, Action<int, Action>? wrapEpoch = null)
    {
        var state = resumeFrom ?? new CheckpointState { LatentDim = _o.LatentDim, Categories = _o.Categories, Hard = _o.Hard };
        if (resumeFrom != null)
            Checkpoint.Load(_run.CheckpointFile, _model, _optimizer.Inner);

        var history = MetricsCsv.Read(_run.MetricsFile);
        for (int epoch = state.EpochsCompleted + 1; epoch <= _o.Epochs; epoch++)
        {
            TrainingOutcome outcome = TrainingOutcome.Completed;
            EpochResult? result = null;
            void RunEpoch() => result = TrainEpoch(epoch, state, out outcome);
            if (wrapEpoch != null) wrapEpoch(epoch, RunEpoch);
            else RunEpoch();

            if (outcome == TrainingOutcome.Interrupted)
            {
                Checkpoint.Save(_run.CheckpointFile, result!.Value.State, _model, _optimizer.Inner);
                _log.Information("Stopped by request during epoch {Epoch} after {Batches} batches; checkpoint written. Resume with: --resume \"{Run}\"",
                    epoch, result.Value.State.BatchesDoneInEpoch, _run.Path);
                return outcome;
            }
            if (outcome == TrainingOutcome.NumericalFault)
                return outcome;

            var train = result!.Value;
            double tau = _schedule.Temperature(train.State.GlobalStep, _train.BatchCount(_o.BatchSize));
            TimeSpan artifactsAfterTraining = _artifactClock.Elapsed;
            var evalClock = Stopwatch.StartNew();
            var (test, usage) = Evaluate(epoch, tau);
            double evalSeconds = evalClock.Elapsed.TotalSeconds - (_artifactClock.Elapsed - artifactsAfterTraining).TotalSeconds;
            var row = new EpochMetrics(epoch, train.State.GlobalStep, tau,
                train.Means.Loss, train.Means.Bce, train.Means.Kl, test.Loss, test.Bce, test.Kl,
                train.Seconds, train.Examples / Math.Max(train.Seconds, 1e-9), usage.MeanPerplexity, usage.DeadLatents);
            _log.Information("====> Epoch: {Epoch} Average loss: {TrainLoss:F4}  Test set loss: {TestLoss:F4}  (BCE {TestBce:F2}, KL {TestKl:F2}, τ {Tau:F4}, {Seconds:F1} s, {Rate:F0} ex/s, latent perplexity {Perplexity:F2}, {Dead} dead)",
                epoch, row.TrainLoss, row.TestLoss, row.TestBce, row.TestKl, tau, row.EpochSeconds, row.ExamplesPerSecond, row.LatentPerplexity, row.DeadLatents);
            Artifact(() => _artifacts.WriteLatentUsage(epoch, usage));

            history.Add(row);
            Artifact(() =>
            {
                _artifacts.WritePriorSamples(epoch, NewGenerator(epoch, SeedStreams.Stream.PriorSamples), _device);
                // metrics before checkpoint: a kill between the two leaves an extra row that --resume trims.
                MetricsCsv.Append(_run.MetricsFile, row);
                _artifacts.WriteLossPlot(history, $"{_run.Name}");
                if (_tensorBoard != null)
                {
                    _tensorBoard.Epoch(row);
                    _tensorBoard.Image("reconstruction/train", _run.File($"reconstruction-train-{epoch}.png"), epoch);
                    _tensorBoard.Image("reconstruction/test", _run.File($"reconstruction-test-{epoch}.png"), epoch);
                }
            });
            state = train.State with
            {
                EpochsCompleted = epoch, BatchesDoneInEpoch = 0, Temperature = tau,
                PartialLoss = 0, PartialBce = 0, PartialKl = 0, PartialExamples = 0, PartialSeconds = 0,
                NoiseGeneratorState = [], WrittenUtc = DateTime.UtcNow,
            };
            Artifact(() => Checkpoint.Save(_run.CheckpointFile, state, _model, _optimizer.Inner));
            LastEpochTimings = new EpochTimings(train.Seconds, evalSeconds, train.Examples / Math.Max(train.Seconds, 1e-9),
                (_artifactClock.Elapsed - train.ArtifactsAtStart).TotalSeconds);
            _log.Debug("Epoch {Epoch}: training {Train:F2} s, evaluation {Eval:F2} s, artifacts {Artifacts:F2} s",
                epoch, LastEpochTimings.TrainSeconds, LastEpochTimings.EvalSeconds, LastEpochTimings.ArtifactSeconds);
            EpochDone?.Invoke(LastEpochTimings);

            if (_stop.Requested)
            {
                _log.Information("Stopped by request after epoch {Epoch}. Resume with: --resume \"{Run}\"", epoch, _run.Path);
                return epoch == _o.Epochs ? TrainingOutcome.Completed : TrainingOutcome.Interrupted;
            }
        }
        return TrainingOutcome.Completed;
    }

    readonly record struct EpochResult(CheckpointState State, (double Loss, double Bce, double Kl) Means, long Examples, double Seconds, TimeSpan ArtifactsAtStart);

    EpochResult TrainEpoch(int epoch, CheckpointState start, out TrainingOutcome outcome)
    {
        _model.train();
        int batches = _train.BatchCount(_o.BatchSize);
        int first = start.BatchesDoneInEpoch;
        var noise = NewGenerator(epoch, SeedStreams.Stream.TrainNoise);
        if (start.NoiseGeneratorState.Length > 0)
            noise.set_state(torch.tensor(start.NoiseGeneratorState, ScalarType.Byte));
        _model.Sampler.Generator = noise;

        var sums = new LossAccumulator { Loss = start.PartialLoss, Bce = start.PartialBce, Kl = start.PartialKl, Examples = start.PartialExamples };
        long step = start.GlobalStep;
        var clock = Stopwatch.StartNew();
        TimeSpan artifactsAtStart = _artifactClock.Elapsed;
        double priorSeconds = start.PartialSeconds;
        using var permutation = _train.Shuffle(NewGenerator(epoch, SeedStreams.Stream.Shuffle));
        using var binarizeNoise = NewGenerator(epoch, SeedStreams.Stream.BinarizeBatch);
        outcome = TrainingOutcome.Completed;

        int b = first;
        for (; b < batches; b++)
        {
            if (_stop.Requested)
            {
                outcome = TrainingOutcome.Interrupted;
                break;
            }
            using var scope = NewDisposeScope();
            long offset = (long)b * _o.BatchSize;
            long length = Math.Min(_o.BatchSize, _train.Count - offset);
            var x = _train.Batch(permutation.narrow(0, offset, length)).to(_device);
            if (_o.Binarize == Binarization.Dynamic)
            {
                binarizeNoise.manual_seed((long)Binarizer.BatchSeed(_o.BinarizeSeed ?? _o.Seed, epoch, b));
                x = Binarizer.Sample(x, binarizeNoise);
            }
            _model.Sampler.Temperature = _schedule.Temperature(step, b);

            _optimizer.zero_grad();
            var (reconstruction, posterior) = _model.forward(x);
            using var loss = VaeLoss.Compute(reconstruction, x, posterior, _o.Categories);
            double total = LossOverride?.Invoke(step) ?? loss.Total.ToDouble();
            if (!double.IsFinite(total))
            {
                _log.Error("Loss became {Value} at epoch {Epoch}, batch {Batch} (global step {Step}); stopping. The last good checkpoint ({Checkpoint}) is kept.",
                    total, epoch, b, step, File.Exists(_run.CheckpointFile) ? _run.CheckpointFile : "none yet");
                outcome = TrainingOutcome.NumericalFault;
                break;
            }
            loss.Total.backward();
            if (step == NanGradientAtStep)
                _model.parameters().First().grad!.fill_(double.NaN);
            if (!GradientsAreFinite())
            {
                _log.Error("Gradients became NaN or infinite at epoch {Epoch}, batch {Batch} (global step {Step}); stopping before the update. The last good checkpoint ({Checkpoint}) is kept.",
                    epoch, b, step, File.Exists(_run.CheckpointFile) ? _run.CheckpointFile : "none yet");
                outcome = TrainingOutcome.NumericalFault;
                break;
            }
            _optimizer.step();
            step++;
            sums.Add(total, loss.Bce.ToDouble(), loss.Kl.ToDouble(), length);

            if (b == 0)
                Artifact(() => _artifacts.WriteTrainReconstruction(epoch, reconstruction));
            if (b % _o.LogInterval == 0 && _tensorBoard != null)
                Artifact(() => _tensorBoard.BatchLoss(step, total));
            if (b % _o.LogInterval == 0)
                _log.ForContext("BatchLine", true).Information("Train Epoch: {Epoch} [{Done}/{Total} ({Percent:F0}%)]\tLoss: {Loss:F6}",
                    epoch, b * _o.BatchSize, _train.Count, 100.0 * b / batches, total);
            BatchDone?.Invoke(b + 1, batches, total);
            if (LogRssAtSteps.Contains(step))
                _log.Information("RSS after step {Step}: {Rss} kB", step, Environment.WorkingSet / 1024);
            if (step == StopAfterStep)
                _stop.Request();
        }

        double seconds = priorSeconds + clock.Elapsed.TotalSeconds - (_artifactClock.Elapsed - artifactsAtStart).TotalSeconds;
        var state = start with
        {
            BatchesDoneInEpoch = b, GlobalStep = step, Temperature = _schedule.Temperature(step, b),
            PartialLoss = sums.Loss, PartialBce = sums.Bce, PartialKl = sums.Kl, PartialExamples = sums.Examples,
            PartialSeconds = seconds,
            NoiseGeneratorState = outcome == TrainingOutcome.Interrupted ? GeneratorState(noise) : [],
            WrittenUtc = DateTime.UtcNow,
        };
        return new EpochResult(state, sums.Means, sums.Examples, seconds, artifactsAtStart);
    }

    /// <summary>Test-set losses (means per example) at temperature <paramref name="tau"/>, same hard/soft mode,
    /// and the aggregate posterior's latent usage.</summary>
    ((double Loss, double Bce, double Kl) Means, LatentUsage Usage) Evaluate(int epoch, double tau)
    {
        _model.eval();
        var trainingNoise = _model.Sampler.Generator;
        _model.Sampler.Generator = NewGenerator(epoch, SeedStreams.Stream.EvalNoise);
        _model.Sampler.Temperature = tau;
        var sums = new LossAccumulator();
        using var posteriorSum = zeros(_o.LatentDim * _o.Categories, device: _device);
        try
        {
            using var _ = torch.no_grad();
            for (long offset = 0; offset < _test.Count; offset += _o.BatchSize)
            {
                using var scope = NewDisposeScope();
                long length = Math.Min(_o.BatchSize, _test.Count - offset);
                var x = _test.Slice(offset, length).to(_device);
                var (reconstruction, posterior) = _model.forward(x);
                using var loss = VaeLoss.Compute(reconstruction, x, posterior, _o.Categories);
                sums.Add(loss.Total.ToDouble(), loss.Bce.ToDouble(), loss.Kl.ToDouble(), length);
                posteriorSum.add_(posterior.sum(0L)); // 0L: a literal 0 would bind to sum(ScalarType)
                if (offset == 0)
                {
                    Artifact(() =>
                    {
                        _artifacts.WriteTestComparison(epoch, x, reconstruction);
                        _artifacts.WriteTraversal(epoch, x[0]);
                    });
                }
            }
        }
        finally
        {
            _model.Sampler.Generator = trainingNoise;
        }
        return (sums.Means, LatentUsage.FromSum(posteriorSum, sums.Examples, _o.LatentDim, _o.Categories));
    }

    /// <summary>One reduction per parameter and one read: a non-finite value anywhere makes the sum non-finite.</summary>
    bool GradientsAreFinite()
    {
        using var scope = NewDisposeScope();
        Tensor? sum = null;
        foreach (var p in _model.parameters())
            if (p.grad is { } g)
                sum = sum is null ? g.sum() : sum + g.sum();
        return sum is null || double.IsFinite(sum.ToDouble());
    }

    Generator NewGenerator(int epoch, SeedStreams.Stream stream) =>
        new(SeedStreams.GeneratorSeed(_o.Seed, epoch, stream), _device.type == DeviceType.CUDA ? _device : null);

    static byte[] GeneratorState(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }
}
