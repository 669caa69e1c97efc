using System.Numerics;

namespace CategoricalVae.Model.Fused;

/// <summary>
/// The decoder's output block in one pass over [rows, pixels]: bias, sigmoid and the source's summed binary
/// cross-entropy, with libtorch's semantics kept (each log clamped at −100; the gradient
/// (p − x)/max(p(1 − p), 1e−12) times the sigmoid's p(1 − p), so a saturated pixel passes no gradient, as in the
/// source), and the gradient of BCE/batch with respect to the pre-sigmoid logits.
/// </summary>
public static unsafe class OutputKernel
{
    /// <summary>p ← sigmoid(logits + bias) in place of the logits; returns Σ BCE(p, x) over every pixel (NaN when a
    /// logit was) and max |x|. With <paramref name="gradient"/> also writes ∂(Σ BCE / <paramref name="batch"/>)/∂logits.</summary>
    public static (double Bce, float LargestTarget) Forward(float* logits, float* bias, float* target, float* gradient, int rows, int cols, int batch)
    {
        double total = 0;
        var one = Vector<float>.One;
        var floor = new Vector<float>(-100f);
        var epsilon = new Vector<float>(1e-12f);
        var scale = new Vector<float>(1f / batch);
        var largest = Vector<float>.Zero;
        float tailLargest = 0;
        for (int r = 0; r < rows; r++)
        {
            float* o = logits + (long)r * cols, x = target + (long)r * cols, d = gradient == null ? null : gradient + (long)r * cols;
            var sum = Vector<float>.Zero;
            int c = 0;
            for (int last = cols - Vector<float>.Count; c <= last; c += Vector<float>.Count)
            {
                var p = one / (one + Vector.Exp(-(Vector.Load(o + c) + Vector.Load(bias + c))));
                var t = Vector.Load(x + c);
                var q = one - p;
                sum += (t - one) * Vector.Max(Vector.Log(q), floor) - t * Vector.Max(Vector.Log(p), floor);
                p.Store(o + c);
                largest = Vector.Max(largest, Vector.Abs(t));
                if (d != null)
                {
                    var w = q * p;
                    (scale * (p - t) / Vector.Max(w, epsilon) * q * p).Store(d + c);
                }
            }
            double rowTotal = Vector.Sum(sum);
            for (; c < cols; c++)
            {
                float p = 1f / (1f + MathF.Exp(-(o[c] + bias[c])));
                float t = x[c], q = 1f - p;
                rowTotal += (t - 1f) * MathF.Max(MathF.Log(q), -100f) - t * MathF.Max(MathF.Log(p), -100f);
                o[c] = p;
                tailLargest = MathF.Max(tailLargest, MathF.Abs(t));
                if (d != null)
                    d[c] = (1f / batch) * (p - t) / MathF.Max(q * p, 1e-12f) * q * p;
            }
            total += rowTotal;
        }
        return (total, DenseKernel.Largest(largest, Vector<int>.AllBitsSet, tailLargest, true));
    }
}
