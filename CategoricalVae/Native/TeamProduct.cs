namespace CategoricalVae.Native;

/// <summary>
/// C = op(A)·op(B) for row-major float32 arrays, done by MKL's <c>sgemm</c> (the one libtorch's <c>addmm</c> calls)
/// in two halves of C, one per thread of libtorch's OpenMP team, each half single-threaded. For the model's
/// products (100 rows, up to 784 columns) MKL's own two-thread split gains 1.4–1.7× over one thread; two
/// independent halves gain a little more, and the call skips libtorch's dispatch and TorchSharp's wrappers. Every
/// element of C is the same dot product either way, so the results equal <c>addmm</c>'s. Where libtorch does not
/// export <c>sgemm_</c>, <see cref="IsAvailable"/> is false and callers use <c>addmm</c>.
/// </summary>
public sealed unsafe class TeamProduct : IParallelPieces
{
    static readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void> Sgemm =
        (delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void>)TorchExports.Find("sgemm_");
    static readonly delegate* unmanaged<int, int> SetLocalThreads = (delegate* unmanaged<int, int>)TorchExports.Find("MKL_Set_Num_Threads_Local");

    readonly int _threads;
    bool _transA, _transB;
    int _m, _n, _k, _lda, _ldb, _ldc;
    float* _a, _b, _c;

    /// <param name="threads">Threads to share a product (1: the whole product on the calling thread).</param>
    public TeamProduct(int threads) => _threads = threads;

    /// <summary>True where MKL's sgemm can be called directly.</summary>
    public static bool IsAvailable => Sgemm != null && SetLocalThreads != null;

    /// <summary>C[m×n] ← op(A)[m×k] · op(B)[k×n], all row-major with the given leading dimensions; op(X) is X or,
    /// with trans, the transpose of the stored matrix.</summary>
    public void Multiply(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        if (!IsAvailable)
            throw new InvalidOperationException("MKL's sgemm is not exported by this libtorch");
        (_transA, _transB, _m, _n, _k, _lda, _ldb, _ldc) = (transA, transB, m, n, k, lda, ldb, ldc);
        _a = a;
        _b = b;
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
                RowMajor(_transA, _transB, _m, _n, _k, _a, _lda, _b, _ldb, _c, _ldc);
                return;
            }
            bool byRows = _m >= _n;
            int total = byRows ? _m : _n, half = Math.Min(total, (total / 2 + 15) / 16 * 16);
            int from = piece == 0 ? 0 : half, count = piece == 0 ? half : total - half;
            if (count <= 0)
                return;
            if (byRows)
                RowMajor(_transA, _transB, count, _n, _k, _transA ? _a + from : _a + (long)from * _lda, _lda, _b, _ldb, _c + (long)from * _ldc, _ldc);
            else
                RowMajor(_transA, _transB, _m, count, _k, _a, _lda, _transB ? _b + (long)from * _ldb : _b + from, _ldb, _c + from, _ldc);
        }
        finally
        {
            SetLocalThreads(previous);
        }
    }

    /// <summary>Row-major C = op(A)·op(B) through the column-major sgemm, which sees each row-major matrix as its
    /// transpose: Cᵀ = op(B)ᵀ·op(A)ᵀ.</summary>
    static void RowMajor(bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        byte opB = (byte)(transB ? 'T' : 'N'), opA = (byte)(transA ? 'T' : 'N');
        float alpha = 1, beta = 0;
        Sgemm(&opB, &opA, &n, &m, &k, &alpha, b, &ldb, a, &lda, &beta, c, &ldc);
    }
}
