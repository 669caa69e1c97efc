using CategoricalVae.Native;
using TorchSharp;
using static TorchSharp.torch;

using CategoricalVae.Model.Estimators;

namespace CategoricalVae.Model.Kernels;

/// <summary>
/// The larger element-wise passes of <see cref="Fused.FusedPass"/> (the latent block forward and backward, the output block)
/// in pieces of a few rows of the batch, which both threads of libtorch's OpenMP team take in turn
/// (<see cref="OpenMpTeam"/>). The pieces are fixed, and each one's sum is kept apart and the sums added in piece
/// order, so the results never depend on the number of threads or on which thread ran which piece.
/// </summary>
internal sealed unsafe class BatchPieces : IParallelPieces
{
    const int RowsPerPiece = 4;

    enum Pass { Posterior, Code, Output, LatentBackward }

    readonly FusedForm _code;
    readonly int _threads, _latents, _k, _width;
    readonly double[] _sums;
    readonly float[] _largest;
    Pass _pass;
    int _rows, _firstRowPiece, _pixels;
    double _temperature;
    LatentKernel.Buffers _latent;
    Tensor? _noise;
    Generator? _generator;
    float* _probabilities, _bias, _target, _gradient, _codeGradient, _logitGradient;

    public BatchPieces(FusedForm code, int latents, int categories, int maxRows, int threads)
    {
        (_code, _latents, _k, _width, _threads) = (code, latents, categories, latents * categories, threads);
        int pieces = 1 + (maxRows + RowsPerPiece - 1) / RowsPerPiece;
        (_sums, _largest) = (new double[pieces], new float[pieces]);
    }

    /// <summary>q = softmax(a) and the log-ratio for every row; returns Σ KL(q ‖ uniform). With
    /// <paramref name="noise"/>, an extra first piece fills it with uniform draws from <paramref name="generator"/>
    /// on this thread (libtorch's generator is not to be shared) while the other thread starts on the rows.</summary>
    public double Posterior(in LatentKernel.Buffers latent, int rows, Tensor? noise, Generator? generator)
    {
        (_latent, _noise, _generator) = (latent, noise, generator);
        try
        {
            return Run(Pass.Posterior, rows, drawNoise: noise is not null).Sum;
        }
        finally
        {
            (_noise, _generator) = (null, null);
        }
    }

    /// <summary>The relaxed sample and the code for every row; returns max |code|.</summary>
    public float Code(in LatentKernel.Buffers latent, int rows, double temperature)
    {
        (_latent, _temperature) = (latent, temperature);
        return Run(Pass.Code, rows).Largest;
    }

    /// <summary><see cref="OutputKernel.Forward"/> over every row: Σ BCE and max |target|.</summary>
    public (double Bce, float LargestTarget) Output(float* logits, float* bias, float* target, float* gradient, int rows, int pixels)
    {
        _probabilities = logits;
        _bias = bias;
        _target = target;
        _gradient = gradient;
        _pixels = pixels;
        return Run(Pass.Output, rows);
    }

    /// <summary><see cref="LatentKernel.Backward"/> over every row.</summary>
    public void LatentBackward(in LatentKernel.Buffers latent, float* codeGradient, float* logitGradient, int rows, double temperature)
    {
        (_latent, _temperature) = (latent, temperature);
        _codeGradient = codeGradient;
        _logitGradient = logitGradient;
        Run(Pass.LatentBackward, rows);
    }

    (double Sum, float Largest) Run(Pass pass, int rows, bool drawNoise = false)
    {
        (_pass, _rows, _firstRowPiece) = (pass, rows, drawNoise ? 1 : 0);
        int pieces = _firstRowPiece + (rows + RowsPerPiece - 1) / RowsPerPiece;
        OpenMpTeam.For(pieces, _threads, this, firstOnCaller: drawNoise);
        double sum = 0;
        float largest = 0;
        for (int i = _firstRowPiece; i < pieces; i++)
        {
            sum += _sums[i];
            largest = MathF.Max(largest, _largest[i]);
        }
        return (sum, largest);
    }

    void IParallelPieces.Run(int piece)
    {
        if (piece < _firstRowPiece)
        {
            _noise!.uniform_(0, 1, _generator);
            return;
        }
        int start = (piece - _firstRowPiece) * RowsPerPiece, rows = Math.Min(_rows, start + RowsPerPiece) - start;
        long offset = (long)start * _width;
        var latent = _latent.From(offset);
        switch (_pass)
        {
            case Pass.Posterior:
                (_sums[piece], _largest[piece]) = (LatentKernel.Posterior(latent, rows * _latents, _k), 0);
                break;
            case Pass.Code:
                LatentKernel.Code(_code, latent, rows * _latents, _k, _temperature);
                (_sums[piece], _largest[piece]) = (0, DenseKernel.LargestMagnitude(latent.Code, (long)rows * _width));
                break;
            case Pass.Output:
                (_sums[piece], _largest[piece]) = OutputKernel.Forward(_probabilities, _bias, _target, _gradient, start, start + rows, _pixels, _rows);
                break;
            default:
                LatentKernel.Backward(_code, latent, _codeGradient + offset, _logitGradient + offset, rows * _latents, _k, _temperature, _rows);
                (_sums[piece], _largest[piece]) = (0, 0);
                break;
        }
    }
}
