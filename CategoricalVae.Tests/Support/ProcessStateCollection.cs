using Xunit;

namespace CategoricalVae.Tests;

/// <summary>
/// Tests that change state the whole test process shares (libtorch's thread count, Console.Out) run in this
/// collection, alone, after the parallel ones: a thread count changed under another test's training changes the
/// rounding of its sums, and redirected console output would swallow other tests' lines.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessStateCollection
{
    public const string Name = "process-wide state";
}
