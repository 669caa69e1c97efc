namespace CategoricalVae.Native;

/// <summary>Work split into independent pieces, for <see cref="OpenMpTeam.For"/>.</summary>
public interface IParallelPieces
{
    void Run(int piece);
}
