using System.Numerics;

using CategoricalVae.Model.Estimators;

namespace CategoricalVae.Model.Kernels;

/// <summary>
/// The latent block between encoder and decoder, forward and backward, over [groups, K] float arrays (a group is
/// one latent variable of one example): Gumbel noise, the relaxed sample, the posterior q = softmax(a), the KL to
/// the uniform prior, the code the decoder sees (<see cref="FusedForm"/>), and backward the gradient with respect
/// to the logits a. The arithmetic is the unfused graph's (<see cref="GumbelSoftmax"/>, <see cref="VaeLoss"/>), with
/// the same noise from the same generator, but with .NET's vector exp and log, so results agree to float rounding.
/// </summary>
internal static unsafe class LatentKernel
{
    const float Eps = 1e-20f;

    /// <summary>The arrays of one batch, each [groups × K] floats.</summary>
    public struct Buffers
    {
        /// <summary>Logits (after the optional ReLU).</summary>
        public float* Logits;
        /// <summary>Uniform noise in [0, 1), drawn by the caller; overwritten.</summary>
        public float* Noise;
        /// <summary>The relaxed sample (for <see cref="FusedForm.OneHotSample"/> a + g; for <see cref="FusedForm.Reinmax"/> π½).</summary>
        public float* Relaxed;
        /// <summary>q = softmax(a).</summary>
        public float* Posterior;
        /// <summary>log(K·q + ε), kept for the KL's gradient.</summary>
        public float* LogRatio;
        /// <summary>The code the decoder sees.</summary>
        public float* Code;

        /// <summary>The same arrays from element <paramref name="offset"/> on.</summary>
        public readonly Buffers From(long offset) => new()
        {
            Logits = Logits + offset, Noise = Noise + offset, Relaxed = Relaxed + offset, Posterior = Posterior + offset,
            LogRatio = LogRatio + offset, Code = Code + offset,
        };
    }

    public static bool UsesNoise(FusedForm code) => code is FusedForm.Relaxed or FusedForm.OneHotOfRelaxed or FusedForm.OneHotSample or FusedForm.Reinmax;

    /// <summary>The posterior q = softmax(a) and the log-ratio; returns Σ KL(q ‖ uniform) over the groups. Needs no
    /// noise, so it can run while the noise is drawn.</summary>
    public static double Posterior(in Buffers b, int groups, int k)
    {
        Softmax(b.Logits, b.Posterior, groups, k);
        return KlAndLogRatio(b.Posterior, b.LogRatio, (long)groups * k, k);
    }

    /// <summary>The relaxed sample and the code the decoder sees, from the uniform noise (for the codes that use
    /// it) and, for the one-hot codes that pass q's gradient, the posterior of <see cref="Posterior"/>.</summary>
    public static void Code(FusedForm code, in Buffers b, int groups, int k, double temperature)
    {
        long n = (long)groups * k;
        float tau = (float)temperature;
        switch (code)
        {
            case FusedForm.Relaxed:
                GumbelNoise(b.Noise, n);
                ScaledSum(b.Logits, b.Noise, b.Relaxed, n, tau);
                Softmax(b.Relaxed, b.Relaxed, groups, k);
                Copy(b.Relaxed, b.Code, n);
                break;
            case FusedForm.Softmax:
                ScaledSum(b.Logits, null, b.Relaxed, n, tau);
                Softmax(b.Relaxed, b.Relaxed, groups, k);
                Copy(b.Relaxed, b.Code, n);
                break;
            case FusedForm.OneHotOfRelaxed:
                GumbelNoise(b.Noise, n);
                ScaledSum(b.Logits, b.Noise, b.Relaxed, n, tau);
                Softmax(b.Relaxed, b.Relaxed, groups, k);
                StraightThroughOneHot(b.Relaxed, b.Relaxed, b.Code, groups, k);
                break;
            case FusedForm.OneHotSample:
                GumbelNoise(b.Noise, n);
                ScaledSum(b.Logits, b.Noise, b.Relaxed, n, 1f);
                StraightThroughOneHot(b.Relaxed, b.Posterior, b.Code, groups, k);
                break;
            case FusedForm.OneHotArgmax:
                StraightThroughOneHot(b.Logits, b.Posterior, b.Code, groups, k);
                break;
            case FusedForm.Reinmax:
                // The sample D from a + g, then π½ = (D + softmax(a/τ))/2 in the relaxed buffer for the backward pass.
                GumbelNoise(b.Noise, n);
                ScaledSum(b.Logits, b.Noise, b.Relaxed, n, 1f);
                OneHot(b.Relaxed, b.Code, groups, k);
                ScaledSum(b.Logits, null, b.Relaxed, n, tau);
                Softmax(b.Relaxed, b.Relaxed, groups, k);
                for (long i = 0; i < n; i++)
                    b.Relaxed[i] = (b.Code[i] + b.Relaxed[i]) / 2;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(code), code, null);
        }
    }

    /// <summary>∂loss/∂a into <paramref name="logitGradient"/> from ∂loss/∂code, plus the gradient of the batch-mean
    /// KL (<paramref name="batch"/> examples). The ReLU on the logits, if any, is the caller's.</summary>
    public static void Backward(FusedForm code, in Buffers b, float* codeGradient, float* logitGradient, int groups, int k, double temperature, int batch)
    {
        if (code == FusedForm.Reinmax)
        {
            ReinmaxBackward(b, codeGradient, logitGradient, groups, k, batch);
            return;
        }
        bool throughRelaxed = code is FusedForm.Relaxed or FusedForm.OneHotOfRelaxed or FusedForm.Softmax;
        float* through = throughRelaxed ? b.Relaxed : b.Posterior;
        float scale = throughRelaxed ? 1f / (float)temperature : 1f;
        float klScale = 1f / batch;
        KlGradient(b.Posterior, b.LogRatio, logitGradient, (long)groups * k, k, klScale);
        for (int g = 0; g < groups; g++)
        {
            long o = (long)g * k;
            float* y = through + o, dz = codeGradient + o, q = b.Posterior + o, da = logitGradient + o;
            float dot = 0, klDot = 0;
            for (int c = 0; c < k; c++)
            {
                dot += y[c] * dz[c];
                klDot += q[c] * da[c];
            }
            for (int c = 0; c < k; c++)
                da[c] = y[c] * (dz[c] - dot) * scale + q[c] * (da[c] - klDot);
        }
    }

    /// <summary>ReinMax's ∂loss/∂a: 2·J(π½)·dz − J(q)·dz/2 with J(p)·v = p ⊙ (v − p·v), plus the batch-mean KL's
    /// gradient; π½ is in the relaxed buffer.</summary>
    static void ReinmaxBackward(in Buffers b, float* codeGradient, float* logitGradient, int groups, int k, int batch)
    {
        KlGradient(b.Posterior, b.LogRatio, logitGradient, (long)groups * k, k, 1f / batch);
        for (int g = 0; g < groups; g++)
        {
            long o = (long)g * k;
            float* h = b.Relaxed + o, dz = codeGradient + o, q = b.Posterior + o, da = logitGradient + o;
            float halfDot = 0, qDot = 0, klDot = 0;
            for (int c = 0; c < k; c++)
            {
                halfDot += h[c] * dz[c];
                qDot += q[c] * dz[c];
                klDot += q[c] * da[c];
            }
            for (int c = 0; c < k; c++)
                da[c] = 2 * h[c] * (dz[c] - halfDot) - 0.5f * q[c] * (dz[c] - qDot) + q[c] * (da[c] - klDot);
        }
    }

    /// <summary>dq = klScale · (log(K·q + ε) + K·q/(K·q + ε)), the batch-mean KL's gradient with respect to q.</summary>
    static void KlGradient(float* q, float* logRatio, float* dq, long n, int k, float klScale)
    {
        var kk = new Vector<float>((float)k);
        var eps = new Vector<float>(Eps);
        var s = new Vector<float>(klScale);
        long i = 0;
        for (long last = n - Vector<float>.Count; i <= last; i += Vector<float>.Count)
        {
            var qk = Vector.Load(q + i) * kk;
            (s * (Vector.Load(logRatio + i) + qk / (qk + eps))).Store(dq + i);
        }
        for (; i < n; i++)
        {
            float qk = q[i] * k;
            dq[i] = klScale * (logRatio[i] + qk / (qk + Eps));
        }
    }

    static void Copy(float* from, float* to, long n) => Buffer.MemoryCopy(from, to, n * sizeof(float), n * sizeof(float));

    /// <summary>g = −log(−log(u + ε) + ε) in place, the unfused graph's Gumbel(0, 1) noise.</summary>
    internal static void GumbelNoise(float* u, long n)
    {
        var eps = new Vector<float>(Eps);
        long i = 0;
        for (long last = n - Vector<float>.Count; i <= last; i += Vector<float>.Count)
            (-Vector.Log(-Vector.Log(Vector.Load(u + i) + eps) + eps)).Store(u + i);
        for (; i < n; i++)
            u[i] = -MathF.Log(-MathF.Log(u[i] + Eps) + Eps);
    }

    /// <summary>dst = (a + g)/τ, or a/τ without noise.</summary>
    static void ScaledSum(float* a, float* g, float* dst, long n, float tau)
    {
        var t = new Vector<float>(tau);
        long i = 0;
        for (long last = n - Vector<float>.Count; i <= last; i += Vector<float>.Count)
            ((g == null ? Vector.Load(a + i) : Vector.Load(a + i) + Vector.Load(g + i)) / t).Store(dst + i);
        for (; i < n; i++)
            dst[i] = (g == null ? a[i] : a[i] + g[i]) / tau;
    }

    /// <summary>Softmax over each group of K (dst may be src): exp(x − max) / Σ.</summary>
    static void Softmax(float* src, float* dst, int groups, int k)
    {
        for (int g = 0; g < groups; g++)
        {
            float* s = src + (long)g * k, d = dst + (long)g * k;
            float max = s[0];
            for (int c = 1; c < k; c++)
                max = MathF.Max(max, s[c]);
            for (int c = 0; c < k; c++)
                d[c] = s[c] - max;
        }
        Exp(dst, (long)groups * k);
        for (int g = 0; g < groups; g++)
        {
            float* d = dst + (long)g * k;
            float sum = 0;
            for (int c = 0; c < k; c++)
                sum += d[c];
            // One division per group rather than K.
            float inverse = 1f / sum;
            for (int c = 0; c < k; c++)
                d[c] *= inverse;
        }
    }

    static void Exp(float* v, long n)
    {
        long i = 0;
        for (long last = n - Vector<float>.Count; i <= last; i += Vector<float>.Count)
            Vector.Exp(Vector.Load(v + i)).Store(v + i);
        for (; i < n; i++)
            v[i] = MathF.Exp(v[i]);
    }

    /// <summary>logRatio = log(K·q + ε); returns Σ q·logRatio (summed in double per vector of terms).</summary>
    static double KlAndLogRatio(float* q, float* logRatio, long n, int k)
    {
        var kk = new Vector<float>((float)k);
        var eps = new Vector<float>(Eps);
        double total = 0;
        long i = 0;
        var sum = Vector<float>.Zero;
        int sinceFlush = 0;
        for (long last = n - Vector<float>.Count; i <= last; i += Vector<float>.Count)
        {
            var qv = Vector.Load(q + i);
            var l = Vector.Log(qv * kk + eps);
            l.Store(logRatio + i);
            sum += qv * l;
            if (++sinceFlush == 64)
            {
                total += Vector.Sum(sum);
                sum = Vector<float>.Zero;
                sinceFlush = 0;
            }
        }
        total += Vector.Sum(sum);
        for (; i < n; i++)
        {
            logRatio[i] = MathF.Log(q[i] * k + Eps);
            total += q[i] * logRatio[i];
        }
        return total;
    }

    /// <summary>code = onehot(argmax of <paramref name="choose"/>) per group, exactly 0 and 1.</summary>
    static void OneHot(float* choose, float* code, int groups, int k)
    {
        for (int g = 0; g < groups; g++)
        {
            long o = (long)g * k;
            float* s = choose + o, z = code + o;
            int best = 0;
            for (int c = 1; c < k; c++)
                if (s[c] > s[best])
                    best = c;
            for (int c = 0; c < k; c++)
                z[c] = c == best ? 1f : 0f;
        }
    }

    /// <summary>code = (onehot(argmax of <paramref name="choose"/>) − through) + through per group: the value of
    /// the one-hot, computed as the unfused graph's (hard − y).detach() + y is.</summary>
    static void StraightThroughOneHot(float* choose, float* through, float* code, int groups, int k)
    {
        for (int g = 0; g < groups; g++)
        {
            long o = (long)g * k;
            float* s = choose + o, y = through + o, z = code + o;
            int best = 0;
            for (int c = 1; c < k; c++)
                if (s[c] > s[best])
                    best = c;
            for (int c = 0; c < k; c++)
                z[c] = ((c == best ? 1f : 0f) - y[c]) + y[c];
        }
    }
}
