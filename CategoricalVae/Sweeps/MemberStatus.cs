namespace CategoricalVae.Sweeps;

/// <summary>Where a sweep member stands (sweep.json spells these in lower case).</summary>
public enum MemberStatus
{
    Pending,
    Running,
    Done,
    Failed,
}
