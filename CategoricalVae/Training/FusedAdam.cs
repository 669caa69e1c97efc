using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>
/// Adam with TorchSharp's exact update rule (no weight decay, no AMSGrad), done in one vectorised pass over
/// each parameter's CPU memory instead of TorchSharp's nine tensor operations and two temporary tensors per
/// parameter (measured at ≈30 % of a training step). The moments live in the wrapped TorchSharp
/// <see cref="Adam"/>'s own state, so checkpoints keep TorchSharp's format and either optimizer can resume
/// the other's run. Anything but contiguous float32 CPU tensors (e.g. CUDA) goes through the stock step.
/// </summary>
public sealed class FusedAdam : IDisposable
{
    readonly Adam _adam;
    readonly Parameter[] _parameters;
    readonly double _lr, _beta1, _beta2, _eps;
    readonly Tensor?[] _scratch;

    public FusedAdam(IEnumerable<Parameter> parameters, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, bool fused = true)
    {
        _parameters = parameters.ToArray();
        _scratch = new Tensor?[_parameters.Length];
        _adam = optim.Adam(_parameters, lr, beta1, beta2, eps);
        (_lr, _beta1, _beta2, _eps) = (lr, beta1, beta2, eps);
        Fused = fused;
    }

    /// <summary>False: TorchSharp's own step (the reference the fused pass is tested against).</summary>
    public bool Fused { get; }

    /// <summary>The TorchSharp optimizer holding the moments; what checkpoints save and load.</summary>
    public OptimizerHelper Inner => _adam;

    public void zero_grad() => _adam.zero_grad();

    public void step()
    {
        if (!Fused || !_parameters.All(IsPlainCpuFloat))
        {
            _adam.step();
            return;
        }
        // Fetched every step: loading a checkpoint replaces the state's tensors.
        var states = _adam.state_dict().State;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.grad is not { } grad)
                continue;
            var s = (Adam.State)states[i];
            s.step += 1;
            double biasCorrection1 = 1 - Math.Pow(_beta1, s.step);
            double biasCorrection2 = 1 - Math.Pow(_beta2, s.step);
            _scratch[i] ??= empty_like(p).DetachFromDisposeScope();
            Update(p, grad, s.exp_avg, s.exp_avg_sq, _scratch[i]!, _beta1, _beta2, _lr / biasCorrection1, Math.Sqrt(biasCorrection2), _eps);
        }
    }

    static bool IsPlainCpuFloat(Tensor t) =>
        t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous()
        && (t.grad is null || (t.grad.dtype == ScalarType.Float32 && t.grad.is_contiguous()));

    /// <summary>m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p + (−stepSize·m) / (√v / √(1−β2ᵗ) + ε), with
    /// libtorch's float32 arithmetic step for step, so the result is bit-identical to TorchSharp's step (tested):
    /// scalars rounded from double as its kernels do, the fused multiply-adds its add and addcmul kernels compile
    /// to (x86-64 with FMA; elsewhere results may differ at float rounding), and libtorch's own square root
    /// (MKL's, which is not correctly rounded), run in place on a preallocated copy of v between the two passes.</summary>
    static void Update(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor scratch, double beta1, double beta2, double stepSize, double sqrtBias2, double eps)
    {
        Span<float> p = MemoryMarshal.Cast<byte, float>(param.bytes);
        Span<float> g = MemoryMarshal.Cast<byte, float>(grad.bytes);
        Span<float> m = MemoryMarshal.Cast<byte, float>(expAvg.bytes);
        Span<float> v = MemoryMarshal.Cast<byte, float>(expAvgSq.bytes);
        Span<float> d = MemoryMarshal.Cast<byte, float>(scratch.bytes);
        int n = p.Length;
        if (g.Length != n || m.Length != n || v.Length != n || d.Length != n)
            throw new InvalidOperationException("Adam state does not match its parameter's size.");
        float b1 = (float)beta1, a1 = (float)(1 - beta1), b2 = (float)beta2, a2 = (float)(1 - beta2);
        float step = (float)-stepSize, bias = (float)sqrtBias2, e = (float)eps;
        bool vectorise = Vector.IsHardwareAccelerated;
        int vectorised = vectorise ? n - n % Vector<float>.Count : 0;

        int i = 0;
        if (vectorise)
        {
            var vb1 = new Vector<float>(b1); var va1 = new Vector<float>(a1);
            var vb2 = new Vector<float>(b2); var va2 = new Vector<float>(a2);
            ref float rg = ref MemoryMarshal.GetReference(g), rm = ref MemoryMarshal.GetReference(m);
            ref float rv = ref MemoryMarshal.GetReference(v), rd = ref MemoryMarshal.GetReference(d);
            for (; i < vectorised; i += Vector<float>.Count)
            {
                var gi = Vector.LoadUnsafe(ref rg, (nuint)i);
                var mi = Vector.FusedMultiplyAdd(gi, va1, Vector.LoadUnsafe(ref rm, (nuint)i) * vb1);
                var vi = Vector.FusedMultiplyAdd(va2 * gi, gi, Vector.LoadUnsafe(ref rv, (nuint)i) * vb2);
                mi.StoreUnsafe(ref rm, (nuint)i);
                vi.StoreUnsafe(ref rv, (nuint)i);
                vi.StoreUnsafe(ref rd, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float gi = g[i];
            m[i] = MathF.FusedMultiplyAdd(a1, gi, m[i] * b1);
            d[i] = v[i] = MathF.FusedMultiplyAdd(a2 * gi, gi, v[i] * b2);
        }

        scratch.sqrt_();

        i = 0;
        if (vectorise)
        {
            var vstep = new Vector<float>(step); var vbias = new Vector<float>(bias); var veps = new Vector<float>(e);
            ref float rp = ref MemoryMarshal.GetReference(p), rm = ref MemoryMarshal.GetReference(m), rd = ref MemoryMarshal.GetReference(d);
            for (; i < vectorised; i += Vector<float>.Count)
            {
                var denom = Vector.LoadUnsafe(ref rd, (nuint)i) / vbias + veps;
                var pi = Vector.LoadUnsafe(ref rp, (nuint)i) + vstep * Vector.LoadUnsafe(ref rm, (nuint)i) / denom;
                pi.StoreUnsafe(ref rp, (nuint)i);
            }
        }
        for (; i < n; i++)
            p[i] += step * m[i] / (d[i] / bias + e);
    }

    public void Dispose()
    {
        foreach (var t in _scratch)
            t?.Dispose();
        _adam.Dispose();
    }
}
