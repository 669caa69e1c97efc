using CategoricalVae.Model.Kernels;
using CategoricalVae.Native;
using TorchSharp.Modules;
using static CategoricalVae.Native.TensorMemory;
using static TorchSharp.torch;

namespace CategoricalVae.Model.Fused;

/// <summary>
/// The fused pass's matrix products of one batch: forward through a layer, back to its input, and its weight gradient,
/// in float32 (MKL's sgemm in halves on the OpenMP team, or libtorch's addmm where MKL cannot be called) or with
/// bfloat16 operands and float32 accumulation (MKL's gemm_bf16bf16f32 in the same halves). For bfloat16 the weights
/// are converted at the start of every batch and each operand once, at its first use in the batch: every buffer the
/// pass multiplies is complete before that use and unchanged after it, so a forward activation converted for its
/// forward product serves the backward weight gradient too.
/// </summary>
internal sealed unsafe class LayerProducts : IDisposable, IParallelPieces
{
    /// <summary>Weight elements converted per piece of the parallel conversion.</summary>
    const int WeightsPerPiece = 1 << 16;

    readonly Linear[] _layers;
    readonly Precision _precision;
    readonly TeamProduct? _team;
    readonly Tensor[] _halfWeights = [];
    readonly Dictionary<nint, Tensor> _halves = [];
    readonly HashSet<nint> _converted = [];
    readonly List<(int Layer, long Start, long Count)> _weightPieces = [];
    readonly nint[] _weightSources = new nint[6], _weightTargets = new nint[6];
    readonly int _threads;
    /// <summary>The batch's images come in a new tensor each time (the pass's own buffers do not): their copy is kept
    /// apart, under the current batch's address only.</summary>
    nint _input;
    int _rows;

    public LayerProducts(Linear[] layers, Precision precision, int threads)
    {
        (_layers, _precision, _threads) = (layers, precision, threads);
        _team = TeamProduct.IsAvailable ? new TeamProduct(threads) : null;
        if (precision == Precision.Bf16)
        {
            if (!TeamProduct.IsBf16Available)
                throw new InvalidOperationException("bfloat16 products need MKL's gemm_bf16bf16f32, which this libtorch does not export");
            _halfWeights = layers.Select(l => empty(l.weight!.shape, ScalarType.BFloat16).DetachFromDisposeScope()).ToArray();
            for (int i = 0; i < layers.Length; i++)
                for (long at = 0, n = _halfWeights[i].numel(); at < n; at += WeightsPerPiece)
                    _weightPieces.Add((i, at, Math.Min(WeightsPerPiece, n - at)));
        }
    }

    /// <summary>A new batch of <paramref name="rows"/> rows of <paramref name="input"/>: every operand is to be converted
    /// again, and the weights (which the optimizer has moved since the last batch).</summary>
    public void NewBatch(Tensor input, int rows)
    {
        _rows = rows;
        _converted.Clear();
        nint key = (nint)Pointer(input);
        if (key != _input && _halves.Remove(_input, out var previous))
            _halves[key] = previous;
        _input = key;
        if (_precision == Precision.Fp32)
            return;
        // Addresses taken here, on the calling thread: loading a checkpoint may have given the layers new tensors.
        for (int i = 0; i < _layers.Length; i++)
            (_weightSources[i], _weightTargets[i]) = ((nint)Pointer(_layers[i].weight!), (nint)Half(_halfWeights[i]));
        OpenMpTeam.For(_weightPieces.Count, _threads, this);
    }

    void IParallelPieces.Run(int piece)
    {
        var (layer, start, count) = _weightPieces[piece];
        Bf16Kernel.FromFloat((float*)_weightSources[layer] + start, (ushort*)_weightTargets[layer] + start, count);
    }

    /// <summary>output[rows] ← input · Wᵀ.</summary>
    public void Forward(int layer, Tensor input, Tensor output)
    {
        var w = _layers[layer].weight!;
        int outputs = (int)w.shape[0], inputs = (int)w.shape[1];
        if (_precision == Precision.Bf16)
            _team!.MultiplyBf16(false, true, _rows, outputs, inputs, Operand(input, inputs), inputs, Half(_halfWeights[layer]), inputs, Pointer(output), outputs);
        else if (_team != null)
            _team.Multiply(false, true, _rows, outputs, inputs, Pointer(input), inputs, Pointer(w), inputs, Pointer(output), outputs);
        else
        {
            using var weight = w.t();
            Rows(output).addmm_(input, weight, beta: 0, alpha: 1);
        }
    }

    /// <summary>inputGradient[rows] ← outputGradient · W.</summary>
    public void Backward(int layer, Tensor outputGradient, Tensor inputGradient)
    {
        var w = _layers[layer].weight!;
        int outputs = (int)w.shape[0], inputs = (int)w.shape[1];
        if (_precision == Precision.Bf16)
            _team!.MultiplyBf16(false, false, _rows, inputs, outputs, Operand(outputGradient, outputs), outputs, Half(_halfWeights[layer]), inputs, Pointer(inputGradient), inputs);
        else if (_team != null)
            _team.Multiply(false, false, _rows, inputs, outputs, Pointer(outputGradient), outputs, Pointer(w), inputs, Pointer(inputGradient), inputs);
        else
            Rows(inputGradient).addmm_(outputGradient, w, beta: 0, alpha: 1);
    }

    /// <summary>weightGradient ← outputGradientᵀ · input.</summary>
    public void WeightGradient(Tensor outputGradient, Tensor input, Tensor weightGradient)
    {
        int outputs = (int)weightGradient.shape[0], inputs = (int)weightGradient.shape[1];
        if (_precision == Precision.Bf16)
            _team!.MultiplyBf16(true, false, outputs, inputs, _rows, Operand(outputGradient, outputs), outputs, Operand(input, inputs), inputs, Pointer(weightGradient), inputs);
        else if (_team != null)
            _team.Multiply(true, false, outputs, inputs, _rows, Pointer(outputGradient), outputs, Pointer(input), inputs, Pointer(weightGradient), inputs);
        else
        {
            using var transposed = outputGradient.t();
            weightGradient.addmm_(transposed, input, beta: 0, alpha: 1);
        }
    }

    /// <summary>The bfloat16 copy of the batch's rows of <paramref name="values"/> [rows, cols], converted at its first use.</summary>
    ushort* Operand(Tensor values, int cols)
    {
        nint key = (nint)Pointer(values);
        long n = (long)_rows * cols;
        if (!_halves.TryGetValue(key, out var half) || half.numel() < n)
        {
            half?.Dispose();
            half = _halves[key] = empty([Math.Max(n, values.numel())], ScalarType.BFloat16).DetachFromDisposeScope();
            _converted.Remove(key);
        }
        if (_converted.Add(key))
            Bf16Kernel.FromFloat((float*)key, Half(half), n);
        return Half(half);
    }

    static ushort* Half(Tensor t) => (ushort*)System.Runtime.CompilerServices.Unsafe.AsPointer(
        ref System.Runtime.InteropServices.MemoryMarshal.GetReference(t.bytes));

    Tensor Rows(Tensor buffer) => buffer.shape[0] == _rows ? buffer : buffer.narrow(0, 0, _rows);

    public void Dispose()
    {
        foreach (var t in _halfWeights)
            t.Dispose();
        foreach (var t in _halves.Values)
            t.Dispose();
    }
}
