namespace CategoricalVae.Common;

/// <summary>The fault plan of normal use: nothing is injected.</summary>
public sealed class NoFaults : IFaultPlan
{
    public static readonly NoFaults Instance = new();

    NoFaults() { }

    public void MidWrite(string path, Stream partlyWritten) { }
    public double? LossAt(long step) => null;
    public bool PoisonGradientsAt(long step) => false;
    public bool StopAfter(long stepsDone) => false;
}
