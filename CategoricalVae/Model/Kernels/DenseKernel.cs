using System.Numerics;

namespace CategoricalVae.Model.Kernels;

/// <summary>
/// The element-wise work around a linear layer's matrix product, one pass each over row-major [rows, cols]
/// float arrays: bias and ReLU forward, and backward the ReLU mask with the bias gradient (the column sum). Every
/// pass also returns the largest magnitude it saw (∞ for NaN), from which <see cref="Fused.FusedPass.Backward"/> proves the
/// weight gradients finite without reading them.
/// </summary>
internal static unsafe class DenseKernel
{
    /// <summary>h ← h + bias (per row), then max(h, 0) when <paramref name="relu"/>; returns max |h|, or ∞ when a
    /// value before the ReLU was NaN (libtorch's ReLU would pass it on).</summary>
    public static float BiasActivation(float* h, float* bias, int rows, int cols, bool relu)
    {
        var zero = Vector<float>.Zero;
        var largest = Vector<float>.Zero;
        var finite = Vector<int>.AllBitsSet;
        float tailLargest = 0;
        bool tailFinite = true;
        for (int r = 0; r < rows; r++)
        {
            float* row = h + (long)r * cols;
            int c = 0;
            for (int last = cols - Vector<float>.Count; c <= last; c += Vector<float>.Count)
            {
                var v = Vector.Load(row + c) + Vector.Load(bias + c);
                finite &= Vector.Equals(v, v);
                if (relu)
                    v = Vector.Max(v, zero);
                v.Store(row + c);
                largest = Vector.Max(largest, Vector.Abs(v));
            }
            for (; c < cols; c++)
            {
                float v = row[c] + bias[c];
                tailFinite &= !float.IsNaN(v);
                if (relu && !(v > 0))
                    v = 0;
                row[c] = v;
                tailLargest = MathF.Max(tailLargest, MathF.Abs(v));
            }
        }
        return Largest(largest, finite, tailLargest, tailFinite);
    }

    /// <summary>g ← g where the ReLU's output a is positive, else 0 (libtorch's threshold_backward), and
    /// biasGradient ← Σ_rows g; returns max |g|.</summary>
    public static float ReluBackward(float* g, float* a, float* biasGradient, int rows, int cols)
    {
        new Span<float>(biasGradient, cols).Clear();
        var zero = Vector<float>.Zero;
        var largest = Vector<float>.Zero;
        var finite = Vector<int>.AllBitsSet;
        float tailLargest = 0;
        bool tailFinite = true;
        for (int r = 0; r < rows; r++)
        {
            float* grow = g + (long)r * cols, arow = a + (long)r * cols;
            int c = 0;
            for (int last = cols - Vector<float>.Count; c <= last; c += Vector<float>.Count)
            {
                var v = Vector.ConditionalSelect(Vector.GreaterThan(Vector.Load(arow + c), zero), Vector.Load(grow + c), zero);
                v.Store(grow + c);
                (Vector.Load(biasGradient + c) + v).Store(biasGradient + c);
                finite &= Vector.Equals(v, v);
                largest = Vector.Max(largest, Vector.Abs(v));
            }
            for (; c < cols; c++)
            {
                float v = arow[c] > 0 ? grow[c] : 0;
                grow[c] = v;
                biasGradient[c] += v;
                tailFinite &= !float.IsNaN(v);
                tailLargest = MathF.Max(tailLargest, MathF.Abs(v));
            }
        }
        return Largest(largest, finite, tailLargest, tailFinite);
    }

    /// <summary>biasGradient ← Σ_rows g (a layer without a ReLU after it); returns max |g|.</summary>
    public static float ColumnSum(float* g, float* biasGradient, int rows, int cols)
    {
        new Span<float>(biasGradient, cols).Clear();
        var largest = Vector<float>.Zero;
        var finite = Vector<int>.AllBitsSet;
        float tailLargest = 0;
        bool tailFinite = true;
        for (int r = 0; r < rows; r++)
        {
            float* row = g + (long)r * cols;
            int c = 0;
            for (int last = cols - Vector<float>.Count; c <= last; c += Vector<float>.Count)
            {
                var v = Vector.Load(row + c);
                (Vector.Load(biasGradient + c) + v).Store(biasGradient + c);
                finite &= Vector.Equals(v, v);
                largest = Vector.Max(largest, Vector.Abs(v));
            }
            for (; c < cols; c++)
            {
                float v = row[c];
                biasGradient[c] += v;
                tailFinite &= !float.IsNaN(v);
                tailLargest = MathF.Max(tailLargest, MathF.Abs(v));
            }
        }
        return Largest(largest, finite, tailLargest, tailFinite);
    }

    /// <summary>max |v| over a contiguous array (∞ when one is NaN).</summary>
    public static float LargestMagnitude(float* v, long n)
    {
        var largest = Vector<float>.Zero;
        var finite = Vector<int>.AllBitsSet;
        long i = 0;
        for (long last = n - Vector<float>.Count; i <= last; i += Vector<float>.Count)
        {
            var x = Vector.Load(v + i);
            finite &= Vector.Equals(x, x);
            largest = Vector.Max(largest, Vector.Abs(x));
        }
        float tailLargest = 0;
        bool tailFinite = true;
        for (; i < n; i++)
        {
            tailFinite &= !float.IsNaN(v[i]);
            tailLargest = MathF.Max(tailLargest, MathF.Abs(v[i]));
        }
        return Largest(largest, finite, tailLargest, tailFinite);
    }

    /// <summary>The horizontal maximum, or +∞ when any lane saw a NaN (so a bound built on it fails).</summary>
    internal static float Largest(Vector<float> largest, Vector<int> finite, float tailLargest, bool tailFinite)
    {
        if (!tailFinite || !Vector.EqualsAll(finite, Vector<int>.AllBitsSet))
            return float.PositiveInfinity;
        float result = tailLargest;
        for (int i = 0; i < Vector<float>.Count; i++)
            result = MathF.Max(result, largest[i]);
        return result;
    }
}
