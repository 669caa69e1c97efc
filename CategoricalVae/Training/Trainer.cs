using System.Diagnostics;
using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Runs;
using Serilog;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// The epoch loop of the source script: train with Adam, evaluate on the test set at the current temperature,
/// then write the metrics row, the checkpoint and the pictures, in that order. Every random draw comes from
/// generators seeded per epoch and stream (<see cref="SeedStreams"/>), so runs and resumed runs are reproducible.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly TrainOptions _o;
    readonly MnistDataset _train, _test;
    readonly RunDirectory _run;
    readonly ILogger _log;
    readonly StopSignal _stop;
    readonly Device _device;
    readonly IFaultPlan _faults;
    readonly ITrainingObserver _observer;
    readonly TemperatureSchedule _schedule;
    readonly CategoricalVaeModel _model;
    readonly IOptimizer _optimizer;
    readonly IVaePass _pass;
    /// <summary>Training batches are gathered into this (CPU runs), instead of a new tensor per step.</summary>
    readonly Tensor? _batchBuffer;
    readonly TrainingStep _step;
    readonly EpochTestPass _testPass;
    /// <summary>The global step (0-based) of the batch being trained, for the pass's decorator.</summary>
    long _globalStep;
    readonly TensorBoardLog? _tensorBoard;
    readonly ArtifactWriter _artifacts;

    /// <param name="decorate">Wraps the run's pass (the guarantee tests inject faults this way); null for none.</param>
    public Trainer(TrainOptions options, MnistDataset train, MnistDataset test, RunDirectory run, ILogger log, StopSignal stop,
        Device device, IFaultPlan faults, ITrainingObserver observer, PassDecorator? decorate = null)
    {
        (_o, _train, _test, _run, _log, _stop, _device, _faults, _observer) = (options, train, test, run, log, stop, device, faults, observer);
        _schedule = options.CreateSchedule();
        _model = ModelFactory.Create(options.LatentDim, options.Categories, options.ReluOnLogits, options.Seed);
        _model.to(device);
        _optimizer = Optimizers.Adam(_model.parameters(), options.LearningRate, stock: options.StockAdam);
        long rows = Math.Max(1, Math.Min(options.BatchSize, Math.Max(train.Count, test.Count)));
        var pass = VaePasses.For(_model, GradientEstimators.For(options.Estimator, options.EstimatorSettings), (int)rows, options.UsesAutograd, options.Precision);
        _pass = decorate?.Invoke(pass, () => _globalStep) ?? pass;
        _step = new TrainingStep(_pass, _optimizer);
        if (device.type == DeviceType.CPU)
            _batchBuffer = zeros([Math.Max(1, Math.Min(options.BatchSize, train.Count)), CategoricalVaeModel.PixelCount]).DetachFromDisposeScope();
        _testPass = new EpochTestPass(_pass, test, options.BatchSize, device, options.Seed);
        _tensorBoard = options.TensorBoard ? new TensorBoardLog(run.Path) : null;
        _artifacts = new ArtifactWriter(run, _model, device, log, _tensorBoard);
    }

    RunLayout Layout => _run.Layout;

    public TrainingOutcome Run(CheckpointState? resumeFrom)
    {
        var state = resumeFrom ?? new CheckpointState { LatentDim = _o.LatentDim, Categories = _o.Categories, Hard = _o.Hard, Estimator = _o.Estimator };
        if (resumeFrom != null)
            Checkpoint.Load(Layout.CheckpointFile, _model, _optimizer.State);
        else
            // The untrained model, so that a run that fails in its first epoch (a full disk, a kill) resumes like any
            // other: a metrics row past the checkpoint is dropped and recomputed.
            Checkpoint.Save(Layout.CheckpointFile, state with { Temperature = _o.Temperature, WrittenUtc = DateTime.UtcNow }, _model, _optimizer.State, _run.Writer);
        // A kill between an epoch's checkpoint and its kept copy leaves the copy to be made now: the checkpoint is that epoch's.
        if (state.BatchesDoneInEpoch == 0)
            KeepCheckpoint(state.EpochsCompleted);

        _log.Debug("Forward and backward through {Pass}; {Optimizer}", _pass.Description, _optimizer.Description);
        var history = MetricsCsv.Read(Layout.MetricsFile);
        for (int epoch = state.EpochsCompleted + 1; epoch <= _o.Epochs && epoch > 0; epoch++)
        {
            EpochTraining? trained = null;
            _observer.RunEpoch(epoch, () => trained = TrainEpoch(epoch, state));
            var train = trained!;

            if (train.Outcome == TrainingOutcome.Interrupted)
            {
                Checkpoint.Save(Layout.CheckpointFile, train.State, _model, _optimizer.State, _run.Writer);
                _log.Information("Stopped by request during epoch {Epoch} after {Batches} batches; checkpoint written. Resume with: --resume \"{Run}\"",
                    epoch, train.State.BatchesDoneInEpoch, _run.Path);
                return train.Outcome;
            }
            if (train.Outcome == TrainingOutcome.NumericalFault)
                return train.Outcome;

            if (train.Examples == 0)
                throw new InvalidOperationException($"epoch {epoch} trained on no examples"); // a bug, not a user error: never write such a row
            double tau = _schedule.Temperature(train.State.GlobalStep, _train.BatchCount(_o.BatchSize));
            var evalClock = Stopwatch.StartNew();
            using var test = _testPass.Run(epoch, tau);
            double evalSeconds = evalClock.Elapsed.TotalSeconds;
            var row = new EpochMetrics(epoch, train.State.GlobalStep, tau,
                train.Means.Loss, train.Means.Bce, train.Means.Kl, test.Means.Loss, test.Means.Bce, test.Means.Kl,
                train.Seconds, train.Examples / Math.Max(train.Seconds, 1e-9), test.Usage.MeanPerplexity, test.Usage.DeadLatents, test.Usage.ActiveLatents);
            if (!double.IsFinite(row.TestLoss))
            {
                _log.Error("The test loss became {Value:l} after epoch {Epoch} (global step {Step}); stopping. The last good checkpoint ({Checkpoint}) is kept.",
                    row.TestLoss.ToString(System.Globalization.CultureInfo.InvariantCulture), epoch, row.GlobalStep, File.Exists(Layout.CheckpointFile) ? Layout.CheckpointFile : "none yet");
                return TrainingOutcome.NumericalFault;
            }
            _log.Information("====> Epoch: {Epoch} Average loss: {TrainLoss:F4}  Test set loss: {TestLoss:F4}  (BCE {TestBce:F2}, KL {TestKl:F2}, τ {Tau}, {Seconds:F1} s, {Rate:F0} ex/s, {Active}/{Latents} latents active, perplexity {Perplexity:F2}, {Dead} dead)",
                epoch, row.TrainLoss, row.TestLoss, row.TestBce, row.TestKl, TemperatureText(tau), row.EpochSeconds, row.ExamplesPerSecond, row.ActiveLatents, test.Usage.LatentCount, row.LatentPerplexity, row.DeadLatents);

            var artifactClock = Stopwatch.StartNew();
            // metrics before checkpoint: a kill between the two leaves an extra row that --resume trims.
            MetricsCsv.Append(Layout.MetricsFile, row, _run.Writer);
            LatentsCsv.Append(Layout.LatentsFile, epoch, test.Usage, _run.Writer);
            // Before the checkpoint, like the metrics row: a kill during the pictures must not lose the epoch's
            // scalars for good (a resume continues after the checkpoint and never logs this epoch again).
            _artifacts.WriteTensorBoardScalars(row);
            history.Add(row);
            state = train.State with
            {
                EpochsCompleted = epoch, BatchesDoneInEpoch = 0, Temperature = tau,
                PartialLoss = 0, PartialBce = 0, PartialKl = 0, PartialExamples = 0, PartialSeconds = 0,
                NoiseGeneratorState = [], WrittenUtc = DateTime.UtcNow,
            };
            Checkpoint.Save(Layout.CheckpointFile, state, _model, _optimizer.State, _run.Writer);
            KeepCheckpoint(epoch);
            WritePictures(epoch, test, history);
            _artifacts.WriteTensorBoardImages(row);
            var timings = new EpochTimings(train.Seconds, evalSeconds, row.ExamplesPerSecond, artifactClock.Elapsed.TotalSeconds);
            _log.Debug("Epoch {Epoch}: training {Train:F2} s, evaluation {Eval:F2} s, artifacts {Artifacts:F2} s",
                epoch, timings.TrainSeconds, timings.EvalSeconds, timings.ArtifactSeconds);
            _observer.EpochDone(row, timings);

            if (_stop.Requested)
            {
                _log.Information(epoch == _o.Epochs
                        ? "Stopped by request after the last epoch ({Epoch}); the run is complete."
                        : "Stopped by request after epoch {Epoch}. Resume with: --resume \"{Run}\"",
                    epoch, _run.Path);
                return TrainingOutcome.Interrupted;
            }
        }
        return _stop.Requested ? TrainingOutcome.Interrupted : TrainingOutcome.Completed;
    }

    /// <summary>Copies the checkpoint, just written at the end of <paramref name="epoch"/>, to its kept name when the run
    /// keeps that epoch's and the copy is not there yet.</summary>
    void KeepCheckpoint(int epoch)
    {
        string kept = Layout.KeptCheckpoint(epoch);
        if (_o.KeptEpochs.Contains(epoch) && !File.Exists(kept))
            _run.Writer.Write(kept, File.ReadAllBytes(Layout.CheckpointFile));
    }

    /// <summary>τ with four decimals, as the source prints it, or in exponent form when that would be unreadable.</summary>
    public static string TemperatureText(double tau) =>
        tau.ToString(tau is >= 1e-3 and < 1e5 ? "F4" : "G4", System.Globalization.CultureInfo.InvariantCulture);

    void WritePictures(int epoch, EpochTestPass.Result test, IReadOnlyList<EpochMetrics> history)
    {
        _artifacts.WriteTestComparison(epoch, test.Originals, test.Reconstructions);
        _artifacts.WriteTraversal(epoch, test.Originals, 0);
        _artifacts.WriteLatentUsage(epoch, test.Usage);
        using (var priorNoise = Generators.For(_o.Seed, epoch, SeedStreams.Stream.PriorSamples, _device))
            _artifacts.WritePriorSamples(epoch, priorNoise);
        _artifacts.WriteLossPlot(history);
    }

    /// <summary>How an epoch's training went: where it stands and its means.</summary>
    sealed record EpochTraining(TrainingOutcome Outcome, CheckpointState State, (double Loss, double Bce, double Kl) Means, long Examples, double Seconds);

    /// <summary>The training reconstruction picture shows at most this many of the epoch's first batch's images.</summary>
    const int TrainPictureImages = 100;

    EpochTraining TrainEpoch(int epoch, CheckpointState start)
    {
        _model.train();
        int batches = _train.BatchCount(_o.BatchSize);
        using var noise = Generators.For(_o.Seed, epoch, SeedStreams.Stream.TrainNoise, _device);
        if (start.NoiseGeneratorState.Length > 0)
        {
            using var saved = torch.tensor(start.NoiseGeneratorState, ScalarType.Byte);
            noise.set_state(saved);
        }

        var sums = new LossAccumulator { Loss = start.PartialLoss, Bce = start.PartialBce, Kl = start.PartialKl, Examples = start.PartialExamples };
        long step = start.GlobalStep;
        var clock = Stopwatch.StartNew();
        using var shuffleNoise = Generators.For(_o.Seed, epoch, SeedStreams.Stream.Shuffle, _device);
        using var permutation = _train.Shuffle(shuffleNoise);
        using var binarizeNoise = Generators.For(_o.Seed, epoch, SeedStreams.Stream.BinarizeBatch, _device);
        var outcome = TrainingOutcome.Completed;
        double pictureSeconds = 0;

        int b = start.BatchesDoneInEpoch;
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
            var indices = permutation.narrow(0, offset, length);
            var x = _batchBuffer is { } buffer ? _train.BatchInto(indices, buffer) : _train.Batch(indices).to(_device);
            if (_o.Binarize == Binarization.Dynamic)
            {
                binarizeNoise.manual_seed((long)Binarizer.BatchSeed(_o.BinarizationSeed, epoch, b));
                x = Binarizer.Sample(x, binarizeNoise);
            }
            _globalStep = step;
            var result = _step.Run(x, _schedule.Temperature(step, b), noise);
            if (result.Outcome != StepOutcome.Updated)
            {
                ReportFault(result, epoch, b, step);
                outcome = TrainingOutcome.NumericalFault;
                break;
            }
            step++;
            sums.Add(result.Loss, result.Bce, result.Kl, length);

            if (b == 0)
            {
                // Written at once (a user sees it while the epoch runs); its time is not training time.
                var pictureClock = Stopwatch.StartNew();
                var pixels = ArtifactWriter.Pixels(result.Reconstruction.narrow(0, 0, Math.Min(TrainPictureImages, length)));
                _artifacts.WriteTrainReconstruction(epoch, pixels, pixels.Length / CategoricalVaeModel.PixelCount);
                pictureSeconds += pictureClock.Elapsed.TotalSeconds;
            }
            if (b % _o.LogInterval == 0)
            {
                _artifacts.WriteBatchLoss(step, result.Loss);
                _log.ForContext("BatchLine", true).Information("Train Epoch: {Epoch} [{Done}/{Total} ({Percent:F0}%)]\tLoss: {Loss:F6}",
                    epoch, offset, _train.Count, 100.0 * b / batches, result.Loss);
            }
            _observer.BatchDone(new BatchReport(epoch, b + 1, batches, step, result.Loss));
            if (_faults.StopAfter(step))
                _stop.Request();
        }

        double seconds = start.PartialSeconds + clock.Elapsed.TotalSeconds - pictureSeconds;
        var state = start with
        {
            BatchesDoneInEpoch = b, GlobalStep = step, Temperature = _schedule.Temperature(step, b),
            PartialLoss = sums.Loss, PartialBce = sums.Bce, PartialKl = sums.Kl, PartialExamples = sums.Examples,
            PartialSeconds = seconds,
            NoiseGeneratorState = outcome == TrainingOutcome.Interrupted ? Generators.State(noise) : [],
            WrittenUtc = DateTime.UtcNow,
        };
        return new EpochTraining(outcome, state, sums.Means, sums.Examples, seconds);
    }

    void ReportFault(StepResult result, int epoch, int batch, long step)
    {
        string checkpoint = File.Exists(Layout.CheckpointFile) ? Layout.CheckpointFile : "none yet";
        if (result.Outcome == StepOutcome.LossNotFinite)
            _log.Error("Loss became {Value:l} at epoch {Epoch}, batch {Batch} (global step {Step}); stopping. The last good checkpoint ({Checkpoint}) is kept.",
                result.Loss.ToString(System.Globalization.CultureInfo.InvariantCulture), epoch, batch, step, checkpoint);
        else
            _log.Error("Gradients became NaN or infinite at epoch {Epoch}, batch {Batch} (global step {Step}); stopping before the update. The last good checkpoint ({Checkpoint}) is kept.",
                epoch, batch, step, checkpoint);
    }

    public void Dispose()
    {
        _pass.Dispose();
        _batchBuffer?.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
    }
}
