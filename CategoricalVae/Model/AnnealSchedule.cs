namespace CategoricalVae.Model;

public enum AnnealSchedule
{
    /// <summary>τ = max(τ_min, τ0·exp(−rate·step)) on the global step, re-evaluated every N steps.</summary>
    Global,

    /// <summary>The source script's: τ reset each epoch, multiplied by exp(−rate·batch_idx) at batch_idx % 100 == 1.</summary>
    Seed,
}
