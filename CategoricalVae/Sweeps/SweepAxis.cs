namespace CategoricalVae.Sweeps;

/// <summary>One --vary: a training option (long name without dashes) and the values it takes.</summary>
public sealed record SweepAxis(string Option, List<string> Values);
