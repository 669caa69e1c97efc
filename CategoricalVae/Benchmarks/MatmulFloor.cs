using System.Diagnostics;
using CategoricalVae.Native;
using static CategoricalVae.Native.TensorMemory;
using static TorchSharp.torch;

namespace CategoricalVae.Benchmarks;

/// <summary>
/// The matrix-multiply floor of one training step: the products a step cannot do without, on tensors of the
/// model's shapes, and nothing else: the 6 forward ones, the 6 weight gradients and the 5 input gradients below the
/// first layer (the images' own gradient is never needed, and no training path computes it). Each product is done as
/// the fused training pass does it and writes into an output allocated once: a fresh tensor per product would add
/// the allocator's page faults to the floor and make it no floor.
/// </summary>
public static class MatmulFloor
{
    public static int[] LayerWidths(int latentDim, int categories) =>
        [784, 512, 256, latentDim * categories, 256, 512, 784];

    /// <summary>FLOPs of one step: 2·B·in·out per product, three products per layer but two for the first.</summary>
    public static double FlopsPerStep(int batch, int[] widths)
    {
        double sum = 0;
        for (int i = 0; i + 1 < widths.Length; i++)
            sum += (double)widths[i] * widths[i + 1] * (i == 0 ? 2 : 3);
        return 2.0 * batch * sum;
    }

    /// <summary>Median milliseconds per step over <paramref name="repeats"/> runs of <paramref name="steps"/> steps, with
    /// the products done as the fused pass does them (<see cref="TeamProduct"/> where MKL's sgemm can be called, else
    /// libtorch's addmm), or with <paramref name="addmm"/> always through libtorch's addmm (the reference), or with
    /// <paramref name="bf16"/> as the bfloat16 step does them (bfloat16 operands, float32 accumulation; converting the
    /// operands is the step's work, not the floor's); both together time libtorch's own bfloat16 products (oneDNN on
    /// the CPU, bfloat16 outputs), the other route to mixed precision.</summary>
    public static unsafe double MillisecondsPerStep(int batch, int[] widths, int steps, int repeats, int warmup = 20, bool addmm = false, bool bf16 = false)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(1);
        int layers = widths.Length - 1;
        var dtype = bf16 && addmm ? ScalarType.BFloat16 : ScalarType.Float32;
        var weights = Enumerable.Range(0, layers).Select(i => randn(widths[i + 1], widths[i], generator: g).to(dtype)).ToArray();
        var inputs = Enumerable.Range(0, layers).Select(i => randn(batch, widths[i], generator: g).to(dtype)).ToArray();
        var gradOut = Enumerable.Range(0, layers).Select(i => randn(batch, widths[i + 1], generator: g).to(dtype)).ToArray();
        var outputs = Enumerable.Range(0, layers).Select(i => empty(batch, widths[i + 1], dtype)).ToArray();
        var inputGrads = Enumerable.Range(0, layers).Select(i => empty(batch, widths[i], dtype)).ToArray();
        var weightGrads = weights.Select(w => empty_like(w)).ToArray();
        var transposedWeights = weights.Select(w => w.t()).ToArray();
        var transposedGradOut = gradOut.Select(d => d.t()).ToArray();

        var products = !addmm && TeamProduct.IsAvailable ? new TeamProduct(get_num_threads()) : null;
        if (bf16 && !addmm)
            return Median(Repeats(repeats, steps, warmup, Bf16Step(products ?? throw new InvalidOperationException("bfloat16 products need MKL"),
                batch, widths, weights, inputs, gradOut, outputs, inputGrads, weightGrads)));

        void TeamStep(TeamProduct team)
        {
            for (int i = 0; i < layers; i++)
                team.Multiply(false, true, batch, widths[i + 1], widths[i], Pointer(inputs[i]), widths[i], Pointer(weights[i]), widths[i], Pointer(outputs[i]), widths[i + 1]);
            for (int i = layers - 1; i >= 0; i--)
            {
                if (i > 0)
                    team.Multiply(false, false, batch, widths[i], widths[i + 1], Pointer(gradOut[i]), widths[i + 1], Pointer(weights[i]), widths[i], Pointer(inputGrads[i]), widths[i]);
                team.Multiply(true, false, widths[i + 1], widths[i], batch, Pointer(gradOut[i]), widths[i + 1], Pointer(inputs[i]), widths[i], Pointer(weightGrads[i]), widths[i]);
            }
        }

        void Step()
        {
            if (products != null)
            {
                TeamStep(products);
                return;
            }
            // Some TorchSharp versions wrap an in-place result in a new handle; the scope frees those per step.
            using var step = NewDisposeScope();
            for (int i = 0; i < layers; i++)
                outputs[i].addmm_(inputs[i], transposedWeights[i], beta: 0, alpha: 1);
            for (int i = layers - 1; i >= 0; i--)
            {
                if (i > 0)
                    inputGrads[i].addmm_(gradOut[i], weights[i], beta: 0, alpha: 1);           // dX = dY · W
                weightGrads[i].addmm_(transposedGradOut[i], inputs[i], beta: 0, alpha: 1);     // dW = dYᵀ · X
            }
        }

        return Median(Repeats(repeats, steps, warmup, Step));
    }

    /// <summary>Milliseconds per step of each of <paramref name="repeats"/> runs of <paramref name="steps"/> steps.</summary>
    static List<double> Repeats(int repeats, int steps, int warmup, Action step)
    {
        for (int i = 0; i < warmup; i++) step();
        var times = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) step();
            times.Add(clock.Elapsed.TotalMilliseconds / steps);
        }
        return times;
    }

    /// <summary>The 17 products with bfloat16 copies of the operands made once.</summary>
    static unsafe Action Bf16Step(TeamProduct team, int batch, int[] widths, Tensor[] weights, Tensor[] inputs, Tensor[] gradOut, Tensor[] outputs, Tensor[] inputGrads, Tensor[] weightGrads)
    {
        int layers = widths.Length - 1;
        ushort* Half(Tensor t) => (ushort*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(t.bytes));
        var w = weights.Select(t => t.to(ScalarType.BFloat16)).ToArray();
        var x = inputs.Select(t => t.to(ScalarType.BFloat16)).ToArray();
        var d = gradOut.Select(t => t.to(ScalarType.BFloat16)).ToArray();
        return () =>
        {
            for (int i = 0; i < layers; i++)
                team.MultiplyBf16(false, true, batch, widths[i + 1], widths[i], Half(x[i]), widths[i], Half(w[i]), widths[i], Pointer(outputs[i]), widths[i + 1]);
            for (int i = layers - 1; i >= 0; i--)
            {
                if (i > 0)
                    team.MultiplyBf16(false, false, batch, widths[i], widths[i + 1], Half(d[i]), widths[i + 1], Half(w[i]), widths[i], Pointer(inputGrads[i]), widths[i]);
                team.MultiplyBf16(true, false, widths[i + 1], widths[i], batch, Half(d[i]), widths[i + 1], Half(x[i]), widths[i], Pointer(weightGrads[i]), widths[i]);
            }
        };
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
