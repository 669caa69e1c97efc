using CategoricalVae.Model;

namespace CategoricalVae.Training;

/// <summary>Wraps the pass a run trains with, given the run's current global step (0-based); the tests of the
/// guarantees inject faults this way (<see cref="FaultInjectingPass"/>). Runs without one train with the pass as made.</summary>
public delegate IVaePass PassDecorator(IVaePass pass, Func<long> globalStep);
