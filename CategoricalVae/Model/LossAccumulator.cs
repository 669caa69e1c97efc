namespace CategoricalVae.Model;

/// <summary>Sums batch-mean losses weighted by batch length (the source's loss.item() * len(data)).</summary>
public struct LossAccumulator
{
    public double Loss;
    public double Bce;
    public double Kl;
    public long Examples;

    public void Add(double loss, double bce, double kl, long examples)
    {
        Loss += loss * examples;
        Bce += bce * examples;
        Kl += kl * examples;
        Examples += examples;
    }

    public readonly (double Loss, double Bce, double Kl) Means =>
        Examples == 0 ? (double.NaN, double.NaN, double.NaN) : (Loss / Examples, Bce / Examples, Kl / Examples);
}
