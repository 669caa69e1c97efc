using CategoricalVae.Model.Kernels;
using CategoricalVae.Native;
using static CategoricalVae.Native.TensorMemory;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CategoricalVae.Model.Fused;

/// <summary>
/// Adam with TorchSharp's update rule (no weight decay, no AMSGrad), done in one vectorised pass over each
/// parameter's CPU memory instead of TorchSharp's nine tensor operations and two temporary tensors per parameter
/// (measured at ≈30 % of a training step). The moments live in the wrapped TorchSharp <see cref="Adam"/>'s own
/// state, so checkpoints keep TorchSharp's format and either optimizer can resume the other's run. A gradient that is
/// not a contiguous float32 tensor goes through the stock step.
/// </summary>
internal sealed class FusedAdam : IOptimizer, IParallelPieces
{
    readonly Adam _adam;
    readonly Parameter[] _parameters;
    readonly double _beta1, _beta2, _eps;
    readonly Tensor?[] _grads;
    readonly int _threads = torch.get_num_threads();
    readonly List<AdamKernel> _kernels = [];
    readonly List<(AdamKernel Kernel, int Start, int End)> _pieces = [];

    /// <param name="parameters">Contiguous float32 CPU tensors (<see cref="IsPlainCpuFloat"/>): the model is on its
    /// device before the optimizer is made, and parameters never move after.</param>
    public FusedAdam(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _parameters = parameters.ToArray();
        if (!_parameters.All(IsPlainCpuFloat))
            throw new ArgumentException("the fused Adam needs contiguous float32 CPU parameters", nameof(parameters));
        _grads = new Tensor?[_parameters.Length];
        _adam = optim.Adam(_parameters, lr, beta1, beta2, eps);
        (_beta1, _beta2, _eps) = (beta1, beta2, eps);
    }

    public string Description => "the fused Adam";

    public OptimizerHelper State => _adam;

    public void Step()
    {
        if (!CollectGradients())
        {
            _adam.step();
            return;
        }
        // Fetched every step: loading a checkpoint replaces the state's tensors, and a learning-rate scheduler
        // changes the rate in the wrapped optimizer's parameter group.
        var states = _adam.state_dict().State;
        double lr = _adam.ParamGroups.First().LearningRate;
        _kernels.Clear();
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_grads[i] is not { } grad)
                continue;
            var p = _parameters[i];
            var s = (Adam.State)states[i];
            s.step += 1;
            double biasCorrection1 = 1 - Math.Pow(_beta1, s.step);
            double biasCorrection2 = 1 - Math.Pow(_beta2, s.step);
            _kernels.Add(KernelFor(p, grad, s.exp_avg, s.exp_avg_sq, lr / biasCorrection1, Math.Sqrt(biasCorrection2)));
        }
        Update();
    }

    /// <summary>Reads each parameter's gradient once; false (use the stock step) if one is not a plain float
    /// tensor, before any state has been touched.</summary>
    bool CollectGradients()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            var grad = _parameters[i].grad;
            if (grad is not null && (grad.dtype != ScalarType.Float32 || !grad.is_contiguous()))
                return false;
            _grads[i] = grad;
        }
        return true;
    }

    public static bool IsPlainCpuFloat(Tensor t) =>
        t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();

    /// <summary>m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p + (−stepSize·m) / (√v / √(1−β2ᵗ) + ε). The moments
    /// are libtorch's float32 arithmetic step for step (scalars rounded from double as its kernels do, the fused
    /// multiply-adds its add and addcmul kernels compile to on x86-64 with FMA), so they are bit-identical to
    /// TorchSharp's (tested). The weight's update is rounded differently: the processor's square root, which is
    /// correctly rounded, where libtorch calls MKL's, which is not always (it differs in the last bit for about one
    /// value in six), and one multiply-add by 1/√(1−β2ᵗ) where libtorch divides. Square root and division share one
    /// unit of the processor, and MKL's square root, a call per piece, was over a third of the update's CPU time; a
    /// weight now differs from TorchSharp's by a rounding of its update.</summary>
    unsafe AdamKernel KernelFor(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double stepSize, double sqrtBias2)
    {
        long n = param.numel();
        if (n > int.MaxValue || grad.numel() != n || expAvg.numel() != n || expAvgSq.numel() != n)
            throw new InvalidOperationException("Adam state does not match its parameter's size.");
        return new AdamKernel
        {
            Length = (int)n,
            P = Pointer(param), G = Pointer(grad), M = Pointer(expAvg), V = Pointer(expAvgSq),
            Beta1 = (float)_beta1, OneMinusBeta1 = (float)(1 - _beta1), Beta2 = (float)_beta2, OneMinusBeta2 = (float)(1 - _beta2),
            Step = (float)-stepSize, InverseBias = (float)(1 / sqrtBias2), Eps = (float)_eps,
        };
    }

    /// <summary>Every parameter's update, as one parallel loop over <see cref="AdamKernel.Chunk"/>-sized pieces of all of
    /// them, on libtorch's OpenMP team (<see cref="OpenMpTeam"/>). One loop per step rather than one per parameter,
    /// and many small pieces rather than one half per thread, so both threads stay busy to the end. The pieces are
    /// independent element ranges, so how they are shared out never changes a result.</summary>
    void Update()
    {
        // Rebuilt every step (loading a checkpoint moves the moments), into a list kept from step to step.
        _pieces.Clear();
        foreach (var k in _kernels)
            for (int at = 0; at < k.Length; at += AdamKernel.Chunk)
                _pieces.Add((k, at, Math.Min(k.Length, at + AdamKernel.Chunk)));
        OpenMpTeam.For(_pieces.Count, _threads, this);
    }

    void IParallelPieces.Run(int piece)
    {
        var (k, start, end) = _pieces[piece];
        k.Update(start, end);
    }

    public void Dispose() => _adam.Dispose();
}
