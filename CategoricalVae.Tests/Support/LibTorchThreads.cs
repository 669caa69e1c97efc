using static TorchSharp.torch;

namespace CategoricalVae.Tests;

/// <summary>libtorch's thread count set for a while and then restored: for tests of thousands of tiny steps, which
/// two threads only slow down. It is process-wide, so such tests belong to <see cref="ProcessStateCollection"/>.</summary>
sealed class LibTorchThreads : IDisposable
{
    readonly int _previous = get_num_threads();

    LibTorchThreads(int threads) => set_num_threads(threads);

    public static LibTorchThreads Set(int threads) => new(threads);

    public void Dispose() => set_num_threads(_previous);
}
