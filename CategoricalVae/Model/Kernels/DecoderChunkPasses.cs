using CategoricalVae.Native;

namespace CategoricalVae.Model.Kernels;

/// <summary>
/// The element-wise passes of one chunk of <see cref="Fused.FusedDiscreteBound"/>'s samples, split over the images (or rows) on
/// libtorch's OpenMP team, which runs the decoder's products between them: the one-hot samples, the two hidden
/// layers' bias and ReLU, and the Bernoulli log-likelihoods. Every piece writes only its own images' or rows' part
/// of the arrays, so the results do not depend on how the pieces are shared out.
/// </summary>
internal sealed unsafe class DecoderChunkPasses(int threads) : IParallelPieces
{
    const int ImagesPerPiece = 5, RowsPerPiece = 250;

    public enum Pass { Samples, BiasActivation, LogBernoulli }

    Pass _pass;
    int _batch, _samples, _width, _latents, _k, _cols;
    float* _logits, _logQ, _noise, _code, _logQz;
    float* _h, _bias, _image, _result;

    /// <summary>One-hot samples and log q(z|x) for every image (<see cref="DiscreteSampleKernel.OneHotSamples"/>).</summary>
    public void Samples(float* logits, float* logQ, float* noise, float* code, float* logQz, int batch, int samples, int latents, int k)
    {
        _logits = logits; _logQ = logQ; _noise = noise; _code = code; _logQz = logQz;
        (_batch, _samples, _latents, _k, _width) = (batch, samples, latents, k, latents * k);
        Run(Pass.Samples, (batch + ImagesPerPiece - 1) / ImagesPerPiece);
    }

    /// <summary>h ← max(h + bias, 0) over [rows, cols].</summary>
    public void BiasActivation(float* h, float* bias, int rows, int cols)
    {
        _h = h; _bias = bias;
        (_cols, _batch) = (cols, rows);
        Run(Pass.BiasActivation, (rows + RowsPerPiece - 1) / RowsPerPiece);
    }

    /// <summary>log p(x_b | z_r) for every row (<see cref="DiscreteSampleKernel.LogBernoulli"/>).</summary>
    public void LogBernoulli(float* logits, float* bias, float* image, float* result, int batch, int samples, int cols)
    {
        _h = logits; _bias = bias; _image = image; _result = result;
        (_batch, _samples, _cols) = (batch, samples, cols);
        Run(Pass.LogBernoulli, (batch + ImagesPerPiece - 1) / ImagesPerPiece);
    }

    void Run(Pass pass, int pieces)
    {
        _pass = pass;
        OpenMpTeam.For(pieces, threads, this);
    }

    void IParallelPieces.Run(int piece)
    {
        switch (_pass)
        {
            case Pass.Samples:
            {
                int first = piece * ImagesPerPiece, images = Math.Min(_batch, first + ImagesPerPiece) - first;
                long rows = (long)first * _samples;
                DiscreteSampleKernel.OneHotSamples(_logits + (long)first * _width, _logQ + (long)first * _width, _noise + rows * _width,
                    _code + rows * _width, _logQz + rows, images, _samples, _latents, _k);
                break;
            }
            case Pass.BiasActivation:
            {
                int first = piece * RowsPerPiece, rows = Math.Min(_batch, first + RowsPerPiece) - first;
                DenseKernel.BiasActivation(_h + (long)first * _cols, _bias, rows, _cols, relu: true);
                break;
            }
            default:
            {
                int first = piece * ImagesPerPiece, end = Math.Min(_batch, first + ImagesPerPiece);
                DiscreteSampleKernel.LogBernoulli(_h, _bias, _image, _result, first, end, _samples, _cols);
                break;
            }
        }
    }
}
