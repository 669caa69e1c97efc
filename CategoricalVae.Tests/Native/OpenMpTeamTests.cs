using CategoricalVae.Native;
using Xunit;

namespace CategoricalVae.Tests.Native;

[Trait("Category", Category.Unit)]
public class OpenMpTeamTests
{
    sealed class Pieces(Action<int> body) : IParallelPieces
    {
        public void Run(int piece) => body(piece);
    }

    [Fact]
    public void Libtorchs_OpenMP_runtime_is_found_on_Linux()
    {
        if (OperatingSystem.IsLinux())
            Assert.True(OpenMpTeam.IsAvailable, "GOMP_parallel not found through libtorch_cpu");
    }

    /// <summary>Piece 0 waits on the calling thread until another thread has started a piece: on a serial or
    /// one-thread run it would wait in vain, so passing proves the pieces ran concurrently on the team.</summary>
    [Fact]
    public void Every_piece_runs_once_and_the_first_on_the_caller_while_another_thread_works()
    {
        int caller = Environment.CurrentManagedThreadId;
        var counts = new int[64];
        var threads = new int[64];
        using var otherStarted = new ManualResetEventSlim();
        bool sawOther = false;
        OpenMpTeam.For(counts.Length, 2, new Pieces(piece =>
        {
            Interlocked.Increment(ref counts[piece]);
            threads[piece] = Environment.CurrentManagedThreadId;
            if (piece == 0)
                sawOther = otherStarted.Wait(TimeSpan.FromSeconds(60));
            else if (Environment.CurrentManagedThreadId != caller)
                otherStarted.Set();
        }), firstOnCaller: true);

        Assert.All(counts, c => Assert.Equal(1, c));
        Assert.Equal(caller, threads[0]);
        if (OpenMpTeam.IsAvailable)
            Assert.True(sawOther, "no other thread started a piece while piece 0 ran on the caller");
    }

    [Fact]
    public void An_exception_in_a_piece_reaches_the_caller_and_the_next_call_works()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            OpenMpTeam.For(40, 2, new Pieces(piece =>
            {
                if (piece == 7)
                    throw new InvalidOperationException("piece 7");
            })));
        Assert.Equal("piece 7", error.Message);

        int done = 0;
        OpenMpTeam.For(40, 2, new Pieces(_ => Interlocked.Increment(ref done)));
        Assert.Equal(40, done);
    }

    [Fact]
    public void A_call_from_inside_a_piece_runs_its_pieces_too()
    {
        int inner = 0;
        OpenMpTeam.For(8, 2, new Pieces(_ => OpenMpTeam.For(5, 2, new Pieces(_ => Interlocked.Increment(ref inner)))));
        Assert.Equal(40, inner);
    }
}
