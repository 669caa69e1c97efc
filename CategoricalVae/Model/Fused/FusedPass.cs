using CategoricalVae.Model.Estimators;
using CategoricalVae.Model.Kernels;
using CategoricalVae.Native;
using static CategoricalVae.Native.TensorMemory;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CategoricalVae.Model.Fused;

/// <summary>
/// The model's forward and backward pass written out by hand for the CPU: the seventeen matrix products (six forward,
/// eleven backward: the input's gradient is never needed) go to MKL through <see cref="LayerProducts"/> (in float32,
/// or with bfloat16 operands) into buffers allocated once, and everything between them runs as the vectorised loops of
/// <see cref="DenseKernel"/>, <see cref="LatentKernel"/> and <see cref="OutputKernel"/>, the larger ones in pieces of
/// the batch on both threads of libtorch's OpenMP team (<see cref="OpenMpTeam"/>). No autograd graph is built, so a
/// step costs its products plus a few passes over small arrays instead of some forty tensor operations and their
/// graph nodes. Gradients land in each parameter's <c>.grad</c> (the buffers are set there once), where the optimizer
/// and checkpoints find them. The arithmetic is the autograd graph's (<see cref="CategoricalVaeModel.forward"/> with
/// <see cref="VaeLoss"/>); results agree to float rounding, which a test checks against the graph in float64.
/// </summary>
internal sealed unsafe class FusedPass : IVaePass
{
    /// <summary>A weight gradient is finite when batch · max|∂out| · max|in| stays below this (float32's largest
    /// value is 3.4e38), which the backward pass proves without reading the gradient.</summary>
    const double FiniteBound = 1e37;

    readonly CategoricalVaeModel _model;
    /// <summary>What the latent kernel computes for the pass's estimator.</summary>
    readonly FusedForm _code;
    readonly int _maxRows, _latents, _k, _width;
    readonly Linear[] _layers;
    readonly Tensor[] _owned;
    readonly Tensor _h1, _h2, _logits, _noise, _relaxed, _posterior, _logRatio, _z, _h4, _h5, _out;
    readonly Tensor _dOut, _dH5, _dH4, _dZ, _dLogits, _dH2, _dH1;
    readonly Tensor[] _weightGrads, _biasGrads;
    readonly float[] _largestInput = new float[6], _largestOutputGradient = new float[6];
    readonly int _threads = torch.get_num_threads();
    readonly LayerProducts _products;
    readonly BatchPieces _pieces;
    Tensor? _input;
    int _rows;
    double _temperature;

    public FusedPass(CategoricalVaeModel model, IGradientEstimator estimator, int maxBatch, Precision precision = Precision.Fp32)
    {
        if (!Supports(model))
            throw new ArgumentException("the fused pass needs a float32 model on the CPU", nameof(model));
        if (estimator.Fused is not { } code)
            throw new ArgumentException($"{estimator.Kind} has no fused form", nameof(estimator));
        if (maxBatch < 1)
            throw new ArgumentOutOfRangeException(nameof(maxBatch));
        (_model, Estimator, _code, _maxRows) = (model, estimator, code, maxBatch);
        (_latents, _k) = (model.LatentDim, model.Categories);
        _width = _latents * _k;
        _layers = model.Layers.ToArray();
        var owned = new List<Tensor>();
        Tensor Buffer(long cols)
        {
            var t = zeros([maxBatch, cols], ScalarType.Float32).DetachFromDisposeScope();
            owned.Add(t);
            return t;
        }
        long Out(int layer) => _layers[layer].weight!.shape[0];
        _h1 = Buffer(Out(0)); _h2 = Buffer(Out(1)); _logits = Buffer(_width);
        _noise = Buffer(_width); _relaxed = Buffer(_width); _posterior = Buffer(_width); _logRatio = Buffer(_width); _z = Buffer(_width);
        _h4 = Buffer(Out(3)); _h5 = Buffer(Out(4)); _out = Buffer(Out(5));
        _dOut = Buffer(Out(5)); _dH5 = Buffer(Out(4)); _dH4 = Buffer(Out(3)); _dZ = Buffer(_width); _dLogits = Buffer(_width);
        _dH2 = Buffer(Out(1)); _dH1 = Buffer(Out(0));
        _weightGrads = new Tensor[6];
        _biasGrads = new Tensor[6];
        for (int i = 0; i < 6; i++)
        {
            _weightGrads[i] = zeros_like(_layers[i].weight!).DetachFromDisposeScope();
            _biasGrads[i] = zeros_like(_layers[i].bias!).DetachFromDisposeScope();
            owned.Add(_weightGrads[i]);
            owned.Add(_biasGrads[i]);
            _layers[i].weight!.grad = _weightGrads[i];
            _layers[i].bias!.grad = _biasGrads[i];
        }
        _owned = owned.ToArray();
        _products = new LayerProducts(_layers, precision, _threads);
        Precision = precision;
        _pieces = new BatchPieces(code, _latents, _k, maxBatch, _threads);
    }

    /// <summary>True when the model's parameters are contiguous float32 CPU tensors.</summary>
    public static bool Supports(CategoricalVaeModel model) =>
        model.parameters().All(p => p.device_type == DeviceType.CPU && p.dtype == ScalarType.Float32 && p.is_contiguous());

    public string Description => Precision == Precision.Fp32 ? "the fused CPU pass" : "the fused CPU pass with bfloat16 products";

    public Precision Precision { get; }

    public CategoricalVaeModel Model => _model;

    public IGradientEstimator Estimator { get; }

    /// <summary>A view of a buffer the next pass overwrites.</summary>
    public Tensor Reconstruction => _out.narrow(0, 0, _rows);

    /// <summary>A view of a buffer the next pass overwrites.</summary>
    public Tensor Posterior => _posterior.narrow(0, 0, _rows);

    /// <summary>The Gumbel noise is drawn from <paramref name="noise"/> exactly as the graph draws it.</summary>
    public LossTerms Forward(Tensor x, double temperature, Generator noise, bool forTraining)
    {
        int rows = checked((int)x.shape[0]);
        if (rows < 1 || rows > _maxRows || x.dtype != ScalarType.Float32 || x.device_type != DeviceType.CPU)
            throw new ArgumentException($"batch of {rows} float32 CPU rows expected (at most {_maxRows})", nameof(x));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _rows = rows;
        _temperature = temperature;
        _input?.Dispose();
        _input = x.view(rows, -1).contiguous().DetachFromDisposeScope();
        if (_input.shape[1] != _layers[0].weight!.shape[1])
            throw new ArgumentException($"rows of {_layers[0].weight!.shape[1]} pixels expected", nameof(x));
        _products.NewBatch(_input, rows);

        _largestInput[1] = Layer(0, _input, _h1, relu: true);
        _largestInput[2] = Layer(1, Rows(_h1), _h2, relu: true);
        float largestLogit = Layer(2, Rows(_h2), _logits, relu: _model.ReluOnLogits);
        var latent = LatentBuffers();
        // The noise is drawn on this thread while the other works out the posterior.
        bool drawNoise = LatentKernel.UsesNoise(_code);
        double kl = _pieces.Posterior(latent, rows, drawNoise ? Rows(_noise) : null, drawNoise ? noise : null);
        _largestInput[3] = _pieces.Code(latent, rows, temperature);
        _largestInput[4] = Layer(3, Rows(_z), _h4, relu: true);
        _largestInput[5] = Layer(4, Rows(_h4), _h5, relu: true);
        _products.Forward(5, Rows(_h5), _out);
        var (bce, largestPixel) = _pieces.Output(Pointer(_out), Pointer(_layers[5].bias!), Pointer(_input),
            forTraining ? Pointer(_dOut) : null, rows, (int)_out.shape[1]);
        _largestInput[0] = largestPixel;
        bool finite = float.IsFinite(largestLogit) && _largestInput.Skip(1).All(float.IsFinite);
        return finite ? new LossTerms(bce / rows + kl / rows, bce / rows, kl / rows) : new LossTerms(double.NaN, double.NaN, double.NaN);
    }

    /// <summary>Proven finite from the magnitudes the passes saw: a weight gradient is a product of values they bounded.</summary>
    public bool Backward()
    {
        int rows = _rows;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _largestOutputGradient[5] = DenseKernel.ColumnSum(Pointer(_dOut), Pointer(_biasGrads[5]), rows, (int)_dOut.shape[1]);
        WeightGradient(5, Rows(_dOut), Rows(_h5));
        _largestOutputGradient[4] = InputGradient(5, Rows(_dOut), _dH5, _h5, 4);
        WeightGradient(4, Rows(_dH5), Rows(_h4));
        _largestOutputGradient[3] = InputGradient(4, Rows(_dH5), _dH4, _h4, 3);
        WeightGradient(3, Rows(_dH4), Rows(_z));
        _products.Backward(3, Rows(_dH4), _dZ);

        _pieces.LatentBackward(LatentBuffers(), Pointer(_dZ), Pointer(_dLogits), rows, _temperature);
        _largestOutputGradient[2] = _model.ReluOnLogits
            ? DenseKernel.ReluBackward(Pointer(_dLogits), Pointer(_logits), Pointer(_biasGrads[2]), rows, _width)
            : DenseKernel.ColumnSum(Pointer(_dLogits), Pointer(_biasGrads[2]), rows, _width);
        WeightGradient(2, Rows(_dLogits), Rows(_h2));
        _largestOutputGradient[1] = InputGradient(2, Rows(_dLogits), _dH2, _h2, 1);
        WeightGradient(1, Rows(_dH2), Rows(_h1));
        _products.Backward(1, Rows(_dH2), _dH1);
        _largestOutputGradient[0] = DenseKernel.ReluBackward(Pointer(_dH1), Pointer(_h1), Pointer(_biasGrads[0]), rows, (int)_dH1.shape[1]);
        WeightGradient(0, Rows(_dH1), _input!);

        for (int i = 0; i < 6; i++)
        {
            // Loading a checkpoint may give the layers new parameter tensors; they must see these gradients.
            _layers[i].weight!.grad = _weightGrads[i];
            _layers[i].bias!.grad = _biasGrads[i];
        }
        for (int i = 0; i < 6; i++)
        {
            double bound = rows * (double)_largestOutputGradient[i] * Math.Max(1.0, _largestInput[i]);
            if (!(bound <= FiniteBound))
                return false;
        }
        return true;
    }

    LatentKernel.Buffers LatentBuffers() => new()
    {
        Logits = Pointer(_logits), Noise = Pointer(_noise), Relaxed = Pointer(_relaxed), Posterior = Pointer(_posterior),
        LogRatio = Pointer(_logRatio), Code = Pointer(_z),
    };

    /// <summary>output ← input · Wᵀ, then bias and (optionally) ReLU; returns max |output|.</summary>
    float Layer(int layer, Tensor input, Tensor output, bool relu)
    {
        _products.Forward(layer, input, output);
        return DenseKernel.BiasActivation(Pointer(output), Pointer(_layers[layer].bias!), _rows, (int)output.shape[1], relu);
    }

    /// <summary>∂in ← ∂out · W through layer <paramref name="layer"/>, masked by the ReLU that made its input, with
    /// that ReLU's layer's bias gradient; returns max |∂in|.</summary>
    float InputGradient(int layer, Tensor outputGradient, Tensor inputGradient, Tensor input, int inputLayer)
    {
        _products.Backward(layer, outputGradient, inputGradient);
        return DenseKernel.ReluBackward(Pointer(inputGradient), Pointer(input), Pointer(_biasGrads[inputLayer]), _rows, (int)input.shape[1]);
    }

    /// <summary>∂W ← ∂outᵀ · in.</summary>
    void WeightGradient(int layer, Tensor outputGradient, Tensor input) => _products.WeightGradient(outputGradient, input, _weightGrads[layer]);

    /// <summary>The first rows of a buffer (the buffer itself for a full batch).</summary>
    Tensor Rows(Tensor buffer) => _rows == _maxRows ? buffer : buffer.narrow(0, 0, _rows);

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.weight!.grad = null;
            layer.bias!.grad = null;
        }
        _input?.Dispose();
        _products.Dispose();
        foreach (var t in _owned)
            t.Dispose();
    }
}
