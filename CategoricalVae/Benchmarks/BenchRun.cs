using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Native;
using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Benchmarks;

/// <summary>
/// What `bench` measures, in one process: real training epochs of the actual model, loss and optimizer through a
/// <see cref="RunLauncher"/> (the first one the warm-up), with the matrix-product floor after each, the evaluation
/// pass and the artifacts of each epoch, start-up and memory, the step's phases, and with a PyTorch interpreter the
/// original script at 1 thread and at as many as there are cores.
/// </summary>
public static class BenchRun
{
    public sealed record Settings(int Steps, int Repeats, int Threads, int EvalSize, bool Hard, string DataDir);

    /// <summary>The original script to time beside ours: the interpreter and the script's path.</summary>
    public sealed record Reference(string Python, string Script);

    /// <param name="launcher">Makes the launcher that trains on the bench's data.</param>
    /// <param name="startupOrigin">When start-up began: the process's start, moved on by checks a run does not make.</param>
    /// <param name="stop">Ctrl+C or SIGTERM: the measurement ends with <see cref="OperationCanceledException"/> at the next
    /// step (training) or between phases.</param>
    public static BenchReport Measure(Settings s, Reference? reference, Func<MnistData, RunLauncher> launcher, DateTime startupOrigin, StopSignal stop)
    {
        string runs = Path.Combine(Path.GetTempPath(), "categoricalvae-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var options = TrainOptions.Defaults with
        {
            Hard = s.Hard, Epochs = s.Repeats + 1, Threads = s.Threads, Device = "cpu", LogInterval = 100, TensorBoard = true, RunsDir = runs,
            Name = "bench", TrainLimit = s.Steps * TrainOptions.Defaults.BatchSize, TestLimit = s.EvalSize,
        };
        using var data = BenchData.Load(s.DataDir, s.Steps * options.BatchSize, s.EvalSize, out string source);
        if (reference != null && source != "mnist")
            throw UserFacingException.Refused("--pytorch needs the real MNIST in --data-dir (the reference script never downloads).");
        var timer = new EpochTimer(options, s.Steps);
        var processor = ProcessorFeatures.Current;
        var bf16 = TeamProduct.IsBf16Available ? new Bf16Timer(options, s.Steps) : null;
        try
        {
            var trained = launcher(data).Start(options, stop, new ObserverList(timer, new FirstStepClock(startupOrigin, timer)));
            if (trained.Outcome == TrainingOutcome.Interrupted || stop.Requested)
                throw new OperationCanceledException();
            if (bf16 != null && launcher(data).Start(options with { Precision = Model.Precision.Bf16, EmulateBf16 = !processor.NativeBf16, Name = "bench-bf16" }, stop, bf16)
                    .Outcome == TrainingOutcome.Interrupted)
                throw new OperationCanceledException();
        }
        finally
        {
            try { Directory.Delete(runs, recursive: true); }
            catch (IOException) { }
        }

        var report = timer.Report(options, s.Steps, s.Repeats, s.Hard, source, data.Test.Count,
            StepBreakdown.Measure(options.BatchSize, options.LatentDim, options.Categories, s.Hard, s.Steps));
        if (stop.Requested)
            throw new OperationCanceledException();
        if (bf16 != null)
            report = report with { Bf16 = bf16.Report(report.TrainMsPerStep, processor) };
        if (reference == null)
            return report;
        Console.WriteLine($"Timing the PyTorch original at 1 and {Environment.ProcessorCount} threads, in float32 and under autocast to bfloat16 …");
        var pytorch = PytorchReference.Measure(reference.Python, reference.Script, Path.GetFullPath(s.DataDir), s.Steps, s.Repeats, s.Hard,
            new[] { 1, Environment.ProcessorCount }.Distinct(), OpenMpSpin.Settings, processor.NativeBf16);
        return stop.Requested ? throw new OperationCanceledException() : report with { Pytorch = pytorch };
    }
}
