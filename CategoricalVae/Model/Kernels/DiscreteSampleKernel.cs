using System.Numerics;

namespace CategoricalVae.Model.Kernels;

/// <summary>
/// The two element-wise parts of the discrete bounds (<c>Evaluation/DiscreteBound</c>) as loops over native float
/// arrays: exact one-hot samples of q by the Gumbel-max trick, with their log q(z|x), and the Bernoulli
/// log-likelihood of the images under the decoder's pixel logits.
/// </summary>
internal static unsafe class DiscreteSampleKernel
{
    /// <summary>For row r = b·samples + s and latent l: z = one-hot of argmax_k (logits[b, l, k] + g), g the Gumbel
    /// noise −log(−log(u + ε) + ε) of u[r, l, k] (u is overwritten with it); code [rows, L·K] receives the one-hots and logQz[r] = Σ_l log q(z_l|x_b).</summary>
    public static void OneHotSamples(float* logits, float* logQ, float* u, float* code, float* logQz, int batch, int samples, int latents, int k)
    {
        long width = (long)latents * k;
        LatentKernel.GumbelNoise(u, batch * samples * width);
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < samples; s++)
            {
                long r = (long)b * samples + s;
                float* noise = u + r * width, z = code + r * width, a = logits + b * width, lq = logQ + b * width;
                new Span<float>(z, checked((int)width)).Clear();
                float sum = 0;
                for (int l = 0; l < latents; l++)
                {
                    long o = (long)l * k;
                    int best = 0;
                    float bestValue = float.NegativeInfinity;
                    for (int c = 0; c < k; c++)
                    {
                        float v = a[o + c] + noise[o + c];
                        if (v > bestValue || c == 0)
                            (best, bestValue) = (c, v);
                    }
                    z[o + best] = 1f;
                    sum += lq[o + best];
                }
                logQz[r] = sum;
            }
    }

    /// <summary>result[r] = Σ_c x[b, c]·t − softplus(t) with t = logits[r, c] + bias[c], for rows r = b·samples + s
    /// of images b in [firstImage, endImage): log p(x_b | z_r), finite for any logit.</summary>
    public static void LogBernoulli(float* logits, float* bias, float* x, float* result, int firstImage, int endImage, int samples, int cols)
    {
        var zero = Vector<float>.Zero;
        var one = Vector<float>.One;
        for (int b = firstImage; b < endImage; b++)
        {
            float* image = x + (long)b * cols;
            for (int s = 0; s < samples; s++)
            {
                long r = (long)b * samples + s;
                float* a = logits + r * cols;
                var sum = Vector<float>.Zero;
                int c = 0;
                for (int last = cols - Vector<float>.Count; c <= last; c += Vector<float>.Count)
                {
                    var t = Vector.Load(a + c) + Vector.Load(bias + c);
                    var softplus = Vector.Max(t, zero) + Vector.Log(one + Vector.Exp(-Vector.Abs(t)));
                    sum += Vector.Load(image + c) * t - softplus;
                }
                float total = Vector.Sum(sum);
                for (; c < cols; c++)
                {
                    float t = a[c] + bias[c];
                    total += image[c] * t - (MathF.Max(t, 0) + MathF.Log(1 + MathF.Exp(-MathF.Abs(t))));
                }
                result[r] = total;
            }
        }
    }
}
