using CategoricalVae.Common;
using TorchSharp;
using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>The torch generators of a run's random streams (<see cref="SeedStreams"/>): one per stream and epoch,
/// on the run's device. Callers dispose them.</summary>
public static class Generators
{
    public static Generator For(long seed, int epoch, SeedStreams.Stream stream, Device device) =>
        new(SeedStreams.GeneratorSeed(seed, epoch, stream), device.type == DeviceType.CUDA ? device : null);

    public static byte[] State(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }
}
