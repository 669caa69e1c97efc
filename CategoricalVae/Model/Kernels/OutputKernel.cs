using System.Numerics;

namespace CategoricalVae.Model.Kernels;

/// <summary>
/// The decoder's output block in one pass over rows of [rows, pixels]: bias, sigmoid and the source's summed binary
/// cross-entropy, with libtorch's semantics kept (each log clamped at −100, and log(1 − p) taken of the float32
/// 1 − p, so a pixel whose p rounds to 1 costs 100 nats as in the source; the gradient (p − x)/max(p(1 − p), 1e−12)
/// times the sigmoid's p(1 − p), so a saturated pixel passes no gradient), and the gradient of BCE/batch with
/// respect to the pre-sigmoid logits. With a = exp(−|z|) and l = log(1 + a), log p = min(z, 0) − l and
/// log(1 − p) = −max(z, 0) − l: one exp and one log per pixel instead of an exp and the two logs of log(p) and
/// log(1 − p), and no overflow for any z.
/// </summary>
internal static unsafe class OutputKernel
{
    const float LogFloor = -100f, ProductFloor = 1e-12f;

    /// <summary>Below this logit the source's float32 exp(−z) overflows, its p is 0 and its log p is clamped to −100.</summary>
    const float Underflow = -88.72283f;

    /// <summary>p ← sigmoid(logits + bias) in place of the logits for rows [<paramref name="rowStart"/>,
    /// <paramref name="rowEnd"/>); returns Σ BCE(p, x) over their pixels (NaN when a logit was) and max |x|. With
    /// <paramref name="gradient"/> also writes ∂(Σ BCE / <paramref name="batch"/>)/∂logits.</summary>
    public static (double Bce, float LargestTarget) Forward(float* logits, float* bias, float* target, float* gradient,
        int rowStart, int rowEnd, int cols, int batch)
    {
        double total = 0;
        var one = Vector<float>.One;
        var floor = new Vector<float>(LogFloor);
        var underflow = new Vector<float>(Underflow);
        var productFloor = new Vector<float>(ProductFloor);
        var inverseFloor = new Vector<float>(1f / ProductFloor);
        var scale = new Vector<float>(1f / batch);
        var largest = Vector<float>.Zero;
        float tailLargest = 0;
        for (int r = rowStart; r < rowEnd; r++)
        {
            float* o = logits + (long)r * cols, x = target + (long)r * cols, d = gradient == null ? null : gradient + (long)r * cols;
            var sum = Vector<float>.Zero;
            int c = 0;
            for (int last = cols - Vector<float>.Count; c <= last; c += Vector<float>.Count)
            {
                var z = Vector.Load(o + c) + Vector.Load(bias + c);
                var a = Vector.Exp(-Vector.Abs(z));
                var onePlus = one + a;
                var l = Vector.Log(onePlus);
                var p = one / onePlus;
                p = Vector.ConditionalSelect(Vector.LessThan(z, Vector<float>.Zero), a * p, p);
                var q = one - p;
                var logP = Vector.ConditionalSelect(Vector.LessThan(z, underflow), floor, Vector.Max(Vector.Min(z, Vector<float>.Zero) - l, floor));
                var logQ = Vector.ConditionalSelect(Vector.Equals(q, Vector<float>.Zero), floor, Vector.Max(-Vector.Max(z, Vector<float>.Zero) - l, floor));
                var t = Vector.Load(x + c);
                sum += (t - one) * logQ - t * logP;
                p.Store(o + c);
                largest = Vector.Max(largest, Vector.Abs(t));
                if (d != null)
                {
                    // (p − t)/max(w, 1e−12)·w with w = p(1 − p): (p − t) unless the pixel is saturated.
                    var w = q * p;
                    (scale * (p - t) * Vector.ConditionalSelect(Vector.LessThan(w, productFloor), w * inverseFloor, one)).Store(d + c);
                }
            }
            double rowTotal = Vector.Sum(sum);
            for (; c < cols; c++)
            {
                float z = o[c] + bias[c];
                float a = MathF.Exp(-MathF.Abs(z));
                float l = MathF.Log(1f + a);
                float p = 1f / (1f + a);
                if (z < 0)
                    p *= a;
                float q = 1f - p;
                float logP = z < Underflow ? LogFloor : MathF.Max(MathF.Min(z, 0) - l, LogFloor);
                float logQ = q == 0 ? LogFloor : MathF.Max(-MathF.Max(z, 0) - l, LogFloor);
                float t = x[c];
                rowTotal += (t - 1f) * logQ - t * logP;
                o[c] = p;
                tailLargest = MathF.Max(tailLargest, MathF.Abs(t));
                if (d != null)
                {
                    float w = q * p;
                    d[c] = (1f / batch) * (p - t) * (w < ProductFloor ? w * (1f / ProductFloor) : 1f);
                }
            }
            total += rowTotal;
        }
        return (total, DenseKernel.Largest(largest, Vector<int>.AllBitsSet, tailLargest, true));
    }
}
