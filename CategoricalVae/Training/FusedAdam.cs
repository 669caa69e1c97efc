using System.Numerics;
using CategoricalVae.Native;
using static CategoricalVae.Native.TensorMemory;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// Adam with TorchSharp's update rule (no weight decay, no AMSGrad), done in one vectorised pass over each
/// parameter's CPU memory instead of TorchSharp's nine tensor operations and two temporary tensors per parameter
/// (measured at ≈30 % of a training step). The moments live in the wrapped TorchSharp <see cref="Adam"/>'s own
/// state, so checkpoints keep TorchSharp's format and either optimizer can resume the other's run. Anything but
/// contiguous float32 CPU tensors (e.g. CUDA) goes through the stock step.
/// </summary>
public sealed class FusedAdam : IDisposable, IParallelPieces
{
    readonly Adam _adam;
    readonly Parameter[] _parameters;
    readonly double _beta1, _beta2, _eps;
    readonly Tensor?[] _grads;
    readonly int _threads = torch.get_num_threads();
    readonly List<Kernel> _kernels = [];
    readonly List<(Kernel Kernel, int Start, int End)> _pieces = [];
    // Checked once: the model is on its device before the optimizer is made, and parameters never move after.
    readonly bool _plainCpuFloat;

    public FusedAdam(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, bool fused = true)
    {
        _parameters = parameters.ToArray();
        _grads = new Tensor?[_parameters.Length];
        _plainCpuFloat = _parameters.All(IsPlainCpuFloat);
        _adam = optim.Adam(_parameters, lr, beta1, beta2, eps);
        (_beta1, _beta2, _eps) = (beta1, beta2, eps);
        Fused = fused;
    }

    /// <summary>False: TorchSharp's own step (the reference the fused pass is tested against).</summary>
    public bool Fused { get; }

    /// <summary>The TorchSharp optimizer holding the moments; what checkpoints save and load.</summary>
    public OptimizerHelper Inner => _adam;

    public void zero_grad() => _adam.zero_grad();

    public void step()
    {
        if (!Fused || !_plainCpuFloat || !CollectGradients())
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

    static bool IsPlainCpuFloat(Tensor t) =>
        t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();

    /// <summary>m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p + (−stepSize·m) / (√v / √(1−β2ᵗ) + ε). The moments
    /// are libtorch's float32 arithmetic step for step (scalars rounded from double as its kernels do, the fused
    /// multiply-adds its add and addcmul kernels compile to on x86-64 with FMA), so they are bit-identical to
    /// TorchSharp's (tested). The weight's update is rounded differently: the processor's square root, which is
    /// correctly rounded, where libtorch calls MKL's, which is not always (it differs in the last bit for about one
    /// value in six), and one multiply-add by 1/√(1−β2ᵗ) where libtorch divides. Square root and division share one
    /// unit of the processor, and MKL's square root, a call per piece, was over a third of the update's CPU time; a
    /// weight now differs from TorchSharp's by a rounding of its update.</summary>
    unsafe Kernel KernelFor(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double stepSize, double sqrtBias2)
    {
        long n = param.numel();
        if (n > int.MaxValue || grad.numel() != n || expAvg.numel() != n || expAvgSq.numel() != n)
            throw new InvalidOperationException("Adam state does not match its parameter's size.");
        return new Kernel
        {
            Length = (int)n,
            P = Pointer(param), G = Pointer(grad), M = Pointer(expAvg), V = Pointer(expAvgSq),
            Beta1 = (float)_beta1, OneMinusBeta1 = (float)(1 - _beta1), Beta2 = (float)_beta2, OneMinusBeta2 = (float)(1 - _beta2),
            Step = (float)-stepSize, InverseBias = (float)(1 / sqrtBias2), Eps = (float)_eps,
        };
    }

    /// <summary>Every parameter's update, as one parallel loop over <see cref="Kernel.Chunk"/>-sized pieces of all of
    /// them, on libtorch's OpenMP team (<see cref="OpenMpTeam"/>). One loop per step rather than one per parameter,
    /// and many small pieces rather than one half per thread, so both threads stay busy to the end. The pieces are
    /// independent element ranges, so how they are shared out never changes a result.</summary>
    void Update()
    {
        // Rebuilt every step (loading a checkpoint moves the moments), into a list kept from step to step.
        _pieces.Clear();
        foreach (var k in _kernels)
            for (int at = 0; at < k.Length; at += Kernel.Chunk)
                _pieces.Add((k, at, Math.Min(k.Length, at + Kernel.Chunk)));
        OpenMpTeam.For(_pieces.Count, _threads, this);
    }

    void IParallelPieces.Run(int piece)
    {
        var (k, start, end) = _pieces[piece];
        k.Update(start, end);
    }

    /// <summary>The update over [start, end) of native float arrays (libtorch's memory never moves).</summary>
    unsafe sealed class Kernel
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

    public void Dispose() => _adam.Dispose();
}
