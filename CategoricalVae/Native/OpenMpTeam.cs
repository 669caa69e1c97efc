using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace CategoricalVae.Native;

/// <summary>
/// Runs work on libtorch's own OpenMP thread team, the threads MKL's matrix products run on. Between two products
/// those threads spin briefly and then sleep; handing the work between the products to .NET's thread pool instead
/// woke a pool thread that competed with a still-spinning OpenMP worker for the second core, and the next product
/// then had to wake its sleeping worker again. On the same team the work flows from product to element-wise pass to
/// product with the workers awake throughout. Where libtorch's OpenMP runtime does not export GNU's
/// <c>GOMP_parallel</c> (Windows and macOS builds use other runtimes) the work goes to .NET's thread pool.
/// </summary>
public static unsafe class OpenMpTeam
{
    static readonly delegate* unmanaged<delegate* unmanaged<void*, void>, void*, uint, uint, void> Parallel =
        (delegate* unmanaged<delegate* unmanaged<void*, void>, void*, uint, uint, void>)TorchExports.Find("GOMP_parallel");

    [ThreadStatic] static Job? _job;

    /// <summary>True when the work runs on libtorch's OpenMP team rather than .NET's thread pool.</summary>
    public static bool IsAvailable => Parallel != null;

    /// <summary>Runs <c>work.Run(piece)</c> once for every piece in [0, <paramref name="pieces"/>), on
    /// <paramref name="threads"/> threads including the calling one; threads take the next piece in turn. Pieces
    /// must be independent: which thread runs which may differ from call to call. Calls made from inside a piece run
    /// serially on that thread. The first exception a piece throws is rethrown here once every thread has stopped.
    /// With <paramref name="firstOnCaller"/> piece 0 runs on the calling thread (for work that must, such as a call
    /// into libtorch that draws from a generator) while the other threads start on the rest.</summary>
    public static void For(int pieces, int threads, IParallelPieces work, bool firstOnCaller = false)
    {
        if (pieces <= 0)
            return;
        var job = _job ??= new Job();
        if (threads <= 1 || pieces == 1 || job.Running)
        {
            for (int i = 0; i < pieces; i++)
                work.Run(i);
            return;
        }
        if (Parallel == null)
        {
            int from = 0;
            if (firstOnCaller)
                work.Run(from++);
            System.Threading.Tasks.Parallel.For(from, pieces, new ParallelOptions { MaxDegreeOfParallelism = threads }, work.Run);
            return;
        }
        job.Start(work, pieces, firstOnCaller);
        var handle = GCHandle.Alloc(job);
        try
        {
            Parallel(&Body, (void*)GCHandle.ToIntPtr(handle), (uint)Math.Min(threads, pieces), 0);
        }
        finally
        {
            handle.Free();
            job.Running = false;
        }
        if (job.TakeError() is { } error)
            ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>What each thread of the team runs: pieces from the shared counter until none is left. Nothing may
    /// escape into native code, so an exception is kept for the caller and stops the others taking new pieces.</summary>
    [UnmanagedCallersOnly]
    static void Body(void* data)
    {
        var job = Unsafe.As<Job>(GCHandle.FromIntPtr((IntPtr)data).Target!);
        try
        {
            if (job.FirstOnCaller && Environment.CurrentManagedThreadId == job.Caller)
                job.Work!.Run(0);
            for (int i; (i = Interlocked.Increment(ref job.Next) - 1) < job.Pieces && job.Error == null;)
                job.Work!.Run(i);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref job.Error, e, null);
        }
    }

    /// <summary>One calling thread's region, reused from call to call.</summary>
    sealed class Job
    {
        public IParallelPieces? Work;
        public int Pieces, Next, Caller;
        public Exception? Error;
        public bool Running, FirstOnCaller;

        public void Start(IParallelPieces work, int pieces, bool firstOnCaller)
        {
            (Work, Pieces, Error, Running, FirstOnCaller) = (work, pieces, null, true, firstOnCaller);
            (Next, Caller) = (firstOnCaller ? 1 : 0, Environment.CurrentManagedThreadId);
        }

        public Exception? TakeError()
        {
            var error = Error;
            (Work, Error) = (null, null);
            return error;
        }
    }
}
