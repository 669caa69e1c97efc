using System.Globalization;
using System.Text;

namespace CategoricalVae.Benchmarks;

/// <summary>What `bench` measured; serialised to JSON with --json so results can be compared over time.</summary>
public sealed record BenchReport
{
    public required DateTime TimeUtc { get; init; }

    /// <summary>The commit of the program that measured, when it ran from a git checkout.</summary>
    public string? GitCommit { get; init; }
    public required string Machine { get; init; }
    public required int Cores { get; init; }
    public required int Threads { get; init; }
    public required string TorchSharpVersion { get; init; }
    public required string LibTorchVersion { get; init; }
    public required int BatchSize { get; init; }
    public required int Steps { get; init; }
    public required int Repeats { get; init; }
    public required bool Hard { get; init; }
    public required string DataSource { get; init; }
    public required double GflopPerStep { get; init; }
    public required double FloorMsPerStep { get; init; }
    public required double FloorGflops { get; init; }

    /// <summary>The same products through libtorch's addmm (MKL's own two-thread split), measured beside the floor.</summary>
    public required double AddmmFloorMsPerStep { get; init; }
    public required double TrainMsPerStep { get; init; }
    public required double TrainExamplesPerSecond { get; init; }
    public required double TrainToFloorRatio { get; init; }

    /// <summary>Each timed repeat's training ms/step and the floor measured right after it: the medians and the
    /// ratio above are computed from these.</summary>
    public required double[] TrainMsPerStepByRepeat { get; init; }
    public required double[] FloorMsPerStepByRepeat { get; init; }
    public required double EpochSeconds600Steps { get; init; }
    public required double EvalSeconds { get; init; }
    public required int EvalExamples { get; init; }
    public required double EvalToEpochRatio { get; init; }
    public required double ArtifactSeconds { get; init; }
    public required double ArtifactToEpochRatio { get; init; }
    public required double StartupSeconds { get; init; }
    public required double PeakRssMb { get; init; }

    /// <summary>The OpenMP settings in force (GOMP_SPINCOUNT, OMP_WAIT_POLICY…); they change speed, not results.</summary>
    public required IReadOnlyDictionary<string, string> OpenMp { get; init; }

    /// <summary>The original PyTorch script timed in the same bench run (bench --pytorch), or null.</summary>
    public PytorchReference.Figures? Pytorch { get; init; }

    /// <summary>PyTorch's best ms/step over ours: how many times faster the port trains.</summary>
    public double? SpeedupOverPytorch => Pytorch is { } p ? p.BestMsPerStep / TrainMsPerStep : null;

    /// <summary>PyTorch's best ms/step over the matmul floor: the speed-up of a step that did nothing but its matrix
    /// products, so no step built on those products can exceed it.</summary>
    public double? SpeedupBoundOverPytorch => Pytorch is { } p ? p.BestMsPerStep / FloorMsPerStep : null;

    /// <summary>A training step split into phases (separate loop on the same model, loss and Adam), with the fused pass
    /// a run uses by default.</summary>
    public required StepBreakdown.Phases Phases { get; init; }

    /// <summary>The same phases through TorchSharp's autograd graph (--autograd), measured in the same run.</summary>
    public required StepBreakdown.Phases GraphPhases { get; init; }

    /// <summary>The same phases of the fused pass with bfloat16 products, where MKL has them.</summary>
    public StepBreakdown.Phases? Bf16Phases { get; init; }

    /// <summary>The same run with bfloat16 products, where MKL has them (emulated where the processor lacks them).</summary>
    public Bf16Figures? Bf16 { get; init; }

    /// <summary>PyTorch's best step over our bfloat16 step, with --pytorch.</summary>
    public double? Bf16SpeedupOverPytorch => Pytorch is { } p && Bf16 is { } b ? p.BestMsPerStep / b.TrainMsPerStep : null;

    public sealed record Bf16Figures
    {
        /// <summary>What the processor offers (<see cref="Native.ProcessorFeatures.Description"/>).</summary>
        public required string Processor { get; init; }

        /// <summary>True where the processor has no bfloat16 dot products and MKL emulates them.</summary>
        public required bool Emulated { get; init; }
        public required double FloorMsPerStep { get; init; }

        /// <summary>Median over repeats of the bfloat16 floor over the float32 floor measured right after it.</summary>
        public required double FloorToFp32Floor { get; init; }

        /// <summary>The same products through libtorch's own bfloat16 mm (oneDNN, bfloat16 outputs): the other route.</summary>
        public required double LibTorchFloorMsPerStep { get; init; }
        public required double TrainMsPerStep { get; init; }
        public required double[] TrainMsPerStepByRepeat { get; init; }
        public required double[] FloorMsPerStepByRepeat { get; init; }

        /// <summary>The bfloat16 step over the float32 step of the same bench run.</summary>
        public required double StepToFp32Step { get; init; }
    }

    /// <summary>The estimators with no fused form: they always train through the autograd graph, at its speed.</summary>
    public required IReadOnlyList<string> GraphOnlyEstimators { get; init; }

    static string Breakdown(StepBreakdown.Phases p) =>
        $"batch {p.BatchMs:F2} + forward/loss {p.ForwardLossMs:F2} + backward {p.BackwardMs:F2} + gradient check {p.GradientCheckMs:F2} + Adam {p.OptimizerMs:F2} = {p.TotalMs:F2} ms";

    public string ToTable()
    {
        var rows = new (string, string)[]
        {
            ("matmul floor", $"{FloorMsPerStep:F2} ms/step ({FloorGflops:F0} GFLOP/s, {GflopPerStep:F3} GFLOP/step; through libtorch's addmm {AddmmFloorMsPerStep:F2})"),
            ("training step", $"{TrainMsPerStep:F2} ms/step, {TrainExamplesPerSecond:F0} examples/s"),
            ("training / floor", $"{TrainToFloorRatio:F2}×  (median of per-repeat ratios; target ≤ 1.5)"),
            ("600-step epoch", $"{EpochSeconds600Steps:F2} s"),
            ($"evaluation ({EvalExamples} images)", $"{EvalSeconds:F2} s = {EvalToEpochRatio:F3} of an epoch  (target ≤ 0.25)"),
            ("artifacts per epoch", $"{ArtifactSeconds:F2} s = {ArtifactToEpochRatio:P1} of an epoch  (target ≤ 5 %)"),
            ("start-up to first step", $"{StartupSeconds:F2} s  (target ≤ 3)"),
            ("peak RSS", $"{PeakRssMb:F0} MB  (target ≤ 1024)"),
            ("step breakdown, fused", Breakdown(Phases)),
            ("step breakdown, autograd", Breakdown(GraphPhases)),
            ("autograd-only estimators", $"{string.Join(", ", GraphOnlyEstimators)} (no fused form: they train at the autograd step's speed)"),
            ("Adam: fused vs stock", $"{Phases.OptimizerMs:F2} ms vs {Phases.StockAdamMs:F2} ms per step (TorchSharp's optim.Adam; same moments, weights to a rounding)"),
        };
        if (Bf16 is { } b)
            rows =
            [
                .. rows,
                ("bf16 matmul floor", $"{b.FloorMsPerStep:F2} ms/step = {b.FloorToFp32Floor:F2}× the float32 floor (median of per-repeat ratios); through libtorch's bf16 mm {b.LibTorchFloorMsPerStep:F2}{(b.Emulated ? $"; emulated: {b.Processor} has no bfloat16 dot products" : "")}"),
                ("bf16 training step", $"{b.TrainMsPerStep:F2} ms/step = {b.StepToFp32Step:F2}× the float32 step  (target ≤ 0.65)"),
                .. Bf16Phases is { } phases ? new[] { ("step breakdown, bf16", Breakdown(phases)) } : [],
            ];
        if (Pytorch is { } p)
            rows =
            [
                .. rows,
                ("PyTorch original", string.Join(", ", p.MsPerStepByThreads.Select(kv => $"{kv.Value:F2} ms/step at {kv.Key} thread{(kv.Key == 1 ? "" : "s")}")) +
                    $"  (torch {p.TorchVersion}, {p.Blas}, OPENBLAS_NUM_THREADS=1)"),
                ("PyTorch, autocast bf16", string.Join(", ", p.AutocastMsPerStepByThreads.Select(kv => $"{kv.Value:F2} ms/step at {kv.Key} thread{(kv.Key == 1 ? "" : "s")}")) +
                    (p.AutocastProbe ? $"  (a {PytorchReference.ProbeSteps}-step probe: the processor has no bfloat16 dot products)" : "")),
                ("speed-up over PyTorch", $"{SpeedupOverPytorch:F2}×  (its best setting, {(p.BestIsAutocast ? "autocast bf16" : "float32")} at {p.BestThreads} thread{(p.BestThreads == 1 ? "" : "s")}; target ≥ 2)"
                    + (Bf16SpeedupOverPytorch is { } b16 ? $"; with bf16 products {b16:F2}× (target ≥ 2.5)" : "")),
                ("speed-up bound", $"{SpeedupBoundOverPytorch:F2}×  (PyTorch's best over the matmul floor: the most a step of these products can reach)"),
            ];
        int width = rows.Max(r => r.Item1.Length);
        var text = new StringBuilder();
        string openMp = OpenMp.Count == 0 ? "OpenMP defaults" : string.Join(", ", OpenMp.Select(kv => $"{kv.Key}={kv.Value}"));
        text.AppendLine(CultureInfo.InvariantCulture, $"CategoricalVae bench: {Threads} threads on {Cores} cores ({openMp}), batch {BatchSize}, {Steps} steps × {Repeats} repeats (median), {(Hard ? "hard" : "soft")}, {DataSource} data, TorchSharp {TorchSharpVersion} / libtorch {LibTorchVersion}");
        foreach (var (name, value) in rows)
            text.AppendLine($"  {name.PadRight(width)}  {value}");
        return text.ToString();
    }
}
