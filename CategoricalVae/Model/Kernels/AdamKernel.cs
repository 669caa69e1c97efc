using System.Numerics;

namespace CategoricalVae.Model.Kernels;

/// <summary>
/// Adam's update of one parameter over [start, end) of native float arrays (libtorch's memory never moves):
/// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p + Step·m / (√v · InverseBias + ε), with Step = −lr/(1−β1ᵗ) and
/// InverseBias = 1/√(1−β2ᵗ). Subnormal g, m and v are read as zero (<see cref="Flush(float)"/>).
/// </summary>
internal unsafe sealed class AdamKernel
{
    public int Length;
    public float* P, G, M, V;
    public float Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, Step, InverseBias, Eps;

    /// <summary>Elements per piece of the parallel loop.</summary>
    public const int Chunk = 4096;

    /// <summary>m, v and p over [start, end): each array is read and written once.</summary>
    public void Update(int start, int end)
    {
        int i = start;
        if (Vector.IsHardwareAccelerated)
        {
            var b1 = new Vector<float>(Beta1); var a1 = new Vector<float>(OneMinusBeta1);
            var b2 = new Vector<float>(Beta2); var a2 = new Vector<float>(OneMinusBeta2);
            var step = new Vector<float>(Step); var inverseBias = new Vector<float>(InverseBias); var eps = new Vector<float>(Eps);
            for (int last = end - Vector<float>.Count; i <= last; i += Vector<float>.Count)
            {
                var g = Flush(Vector.Load(G + i));
                var m = Vector.FusedMultiplyAdd(g, a1, Flush(Vector.Load(M + i)) * b1);
                var v = Vector.FusedMultiplyAdd(a2 * g, g, Flush(Vector.Load(V + i)) * b2);
                m.Store(M + i);
                v.Store(V + i);
                var denom = Vector.FusedMultiplyAdd(Vector.SquareRoot(v), inverseBias, eps);
                (Vector.Load(P + i) + step * m / denom).Store(P + i);
            }
        }
        for (; i < end; i++)
        {
            float g = Flush(G[i]);
            float m = M[i] = MathF.FusedMultiplyAdd(OneMinusBeta1, g, Flush(M[i]) * Beta1);
            float v = V[i] = MathF.FusedMultiplyAdd(OneMinusBeta2 * g, g, Flush(V[i]) * Beta2);
            P[i] += Step * m / MathF.FusedMultiplyAdd(MathF.Sqrt(v), InverseBias, Eps);
        }
    }

    /// <summary>0 for a subnormal value (exponent bits all zero), the value otherwise. Over a long run the moments of
    /// weights whose gradient stays zero decay into float32's subnormal range, where every multiplication takes a
    /// microcode assist: a 200-epoch run's Adam became twenty times slower. Read as zero, such a moment adds at most
    /// 1e-30 · lr to its weight, which rounds away for any weight above 1e-25; the moments themselves then hold 0
    /// where TorchSharp's hold a subnormal.</summary>
    static Vector<float> Flush(Vector<float> x) =>
        Vector.ConditionalSelect(Vector.Equals(Vector.AsVectorInt32(x) & new Vector<int>(0x7F800000), Vector<int>.Zero), Vector<float>.Zero, x);

    static float Flush(float x) => (BitConverter.SingleToInt32Bits(x) & 0x7F800000) == 0 ? 0f : x;
}
