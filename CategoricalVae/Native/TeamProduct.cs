namespace CategoricalVae.Native;

/// <summary>
/// C = op(A)·op(B) for row-major float32 arrays, done by MKL's <c>sgemm</c> (the one libtorch's <c>addmm</c> calls)
/// in two halves of C, one per thread of libtorch's OpenMP team, each half single-threaded. For the model's
/// products (100 rows, up to 784 columns) MKL's own two-thread split gains 1.4–1.7× over one thread; two
/// independent halves gain a little more, and the call skips libtorch's dispatch and TorchSharp's wrappers. Every
/// element of C is the same dot product either way, so the results equal <c>addmm</c>'s. Where libtorch does not
/// export <c>sgemm_</c>, <see cref="IsAvailable"/> is false and callers use <c>addmm</c>. The same split serves
/// bfloat16 operands with float32 accumulation and output (MKL's <c>gemm_bf16bf16f32</c>), for mixed precision.
/// </summary>
public sealed unsafe class TeamProduct : IParallelPieces
{
    static readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void> Sgemm =
        (delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void>)TorchExports.Find("sgemm_");
    static readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, ushort*, int*, ushort*, int*, float*, float*, int*, void> GemmBf16 =
        (delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, ushort*, int*, ushort*, int*, float*, float*, int*, void>)TorchExports.Find("gemm_bf16bf16f32");
    static readonly delegate* unmanaged<int, int> SetLocalThreads = (delegate* unmanaged<int, int>)TorchExports.Find("MKL_Set_Num_Threads_Local");

    readonly int _threads;
    bool _transA, _transB, _bf16;
    int _m, _n, _k, _lda, _ldb, _ldc;
    float* _a, _b, _c;

    /// <param name="threads">Threads to share a product (1: the whole product on the calling thread).</param>
    public TeamProduct(int threads) => _threads = threads;

    /// <summary>True where MKL's sgemm can be called directly.</summary>
    public static bool IsAvailable => Sgemm != null && SetLocalThreads != null;

    /// <summary>True where MKL's bfloat16 product can be called directly (it is emulated where the processor lacks
    /// bfloat16 dot products: see <see cref="ProcessorFeatures"/>).</summary>
    public static bool IsBf16Available => GemmBf16 != null && SetLocalThreads != null;

    /// <summary>C[m×n] ← op(A)[m×k] · op(B)[k×n], all row-major with the given leading dimensions; op(X) is X or,
    /// with trans, the transpose of the stored matrix.</summary>
    public void Multiply(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        if (!IsAvailable)
            throw new InvalidOperationException("MKL's sgemm is not exported by this libtorch");
        (_transA, _transB, _m, _n, _k, _lda, _ldb, _ldc, _bf16) = (transA, transB, m, n, k, lda, ldb, ldc, false);
        _a = a;
        _b = b;
        _c = c;
        OpenMpTeam.For(_threads > 1 ? 2 : 1, _threads, this);
    }

    /// <summary>The same product of bfloat16 operands (the upper halves of float32 bit patterns) into float32, with
    /// float32 accumulation. Leading dimensions and offsets count elements, as for the float32 product.</summary>
    public void MultiplyBf16(bool transA, bool transB, int m, int n, int k, ushort* a, int lda, ushort* b, int ldb, float* c, int ldc)
    {
        if (!IsBf16Available)
            throw new InvalidOperationException("MKL's gemm_bf16bf16f32 is not exported by this libtorch");
        (_transA, _transB, _m, _n, _k, _lda, _ldb, _ldc, _bf16) = (transA, transB, m, n, k, lda, ldb, ldc, true);
        // Kept as untyped addresses: Product adds each half's offset in the operands' own element type.
        _a = (float*)a;
        _b = (float*)b;
        _c = c;
        OpenMpTeam.For(_threads > 1 ? 2 : 1, _threads, this);
    }

    /// <summary>Half <paramref name="piece"/> of C: a block of rows, or of columns when C is wider than tall (rounded
    /// to 16 elements, a cache line), or all of C when it runs alone.</summary>
    void IParallelPieces.Run(int piece)
    {
        int previous = SetLocalThreads(1);
        try
        {
            if (_threads <= 1)
            {
                Product(_m, _n, 0, 0, 0);
                return;
            }
            bool byRows = _m >= _n;
            int total = byRows ? _m : _n, half = Math.Min(total, (total / 2 + 15) / 16 * 16);
            int from = piece == 0 ? 0 : half, count = piece == 0 ? half : total - half;
            if (count <= 0)
                return;
            if (byRows)
                Product(count, _n, _transA ? from : (long)from * _lda, 0, (long)from * _ldc);
            else
                Product(_m, count, 0, _transB ? (long)from * _ldb : from, from);
        }
        finally
        {
            SetLocalThreads(previous);
        }
    }

    /// <summary>An m×n block of C whose operands and output start the given numbers of elements in.</summary>
    void Product(int m, int n, long aOffset, long bOffset, long cOffset)
    {
        if (_bf16)
            RowMajorBf16(_transA, _transB, m, n, _k, (ushort*)_a + aOffset, _lda, (ushort*)_b + bOffset, _ldb, _c + cOffset, _ldc);
        else
            RowMajor(_transA, _transB, m, n, _k, _a + aOffset, _lda, _b + bOffset, _ldb, _c + cOffset, _ldc);
    }

    /// <summary>Row-major C = op(A)·op(B) through the column-major sgemm, which sees each row-major matrix as its
    /// transpose: Cᵀ = op(B)ᵀ·op(A)ᵀ.</summary>
    static void RowMajor(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        byte opB = (byte)(transB ? 'T' : 'N'), opA = (byte)(transA ? 'T' : 'N');
        float alpha = 1, beta = 0;
        Sgemm(&opB, &opA, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
    }

    /// <summary><see cref="RowMajor"/> with bfloat16 operands.</summary>
    static void RowMajorBf16(bool transA, bool transB, int m, int n, int k, ushort* a, int lda, ushort* b, int ldb, float* c, int ldc)
    {
        byte opB = (byte)(transB ? 'T' : 'N'), opA = (byte)(transA ? 'T' : 'N');
        float alpha = 1, beta = 0;
        GemmBf16(&opB, &opA, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
    }
}
