using System.Globalization;
using CategoricalVae.Runs;

namespace CategoricalVae.Tests;

/// <summary>The options of the small, quick runs the end-to-end tests train, written once: a few epochs on the first
/// images of MNIST. A test picks the sizes its check needs (learning needs a few thousand images; a crash test a few
/// hundred).</summary>
static class SmallRun
{
    /// <summary>--epochs, --train-limit and --test-limit (each left out when null), and --no-tensorboard unless
    /// <paramref name="tensorBoard"/>.</summary>
    public static string[] Args(int? epochs, int train, int test, bool tensorBoard = false) =>
    [
        .. epochs is { } e ? new[] { "--epochs", Text(e) } : [],
        "--train-limit", Text(train), "--test-limit", Text(test),
        .. tensorBoard ? Array.Empty<string>() : ["--no-tensorboard"],
    ];

    /// <summary>The same small run for the in-process launcher, into <paramref name="runsDir"/>.</summary>
    public static TrainOptions Options(string runsDir, int epochs, int train, int test, bool tensorBoard = false) => TrainOptions.Defaults with
    {
        Epochs = epochs, TrainLimit = train, TestLimit = test, TensorBoard = tensorBoard, RunsDir = runsDir,
    };

    static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
