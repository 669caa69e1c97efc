using CategoricalVae.Data;
using CategoricalVae.Model;

namespace CategoricalVae.Training;

/// <summary>Everything that defines a training run. Serialised into config.json.</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 100;
    public double LearningRate { get; init; } = 1e-3;
    public bool Hard { get; init; }
    public double Temperature { get; init; } = 1.0;
    public double TempMin { get; init; } = 0.5;
    public double AnnealRate { get; init; } = 3e-5;
    public int AnnealEvery { get; init; } = 100;
    public AnnealSchedule AnnealSchedule { get; init; } = AnnealSchedule.Global;
    public int LatentDim { get; init; } = 30;
    public int Categories { get; init; } = 10;
    public bool ReluOnLogits { get; init; } = true;
    public long Seed { get; init; } = 2020;
    public int LogInterval { get; init; } = 10;
    public string Device { get; init; } = "auto";
    public int Threads { get; init; }
    public string DataDir { get; init; } = "data";
    public string RunsDir { get; init; } = "runs";
    public string? Name { get; init; }
    public int? TrainLimit { get; init; }
    public int? TestLimit { get; init; }
    public bool Offline { get; init; }
    public bool TensorBoard { get; init; } = true;
    public Binarization Binarize { get; init; } = Binarization.None;

    /// <summary>TorchSharp's stock Adam step instead of <see cref="FusedAdam"/> (same rule, slower; for checking).</summary>
    public bool StockAdam { get; init; }

    /// <summary>Seed of the binarisation thresholds (set whenever <see cref="Binarize"/> is not None).</summary>
    public long? BinarizeSeed { get; init; }

    public string Mode => Hard ? "hard" : "soft";

    public TemperatureSchedule CreateSchedule() => new(AnnealSchedule, Temperature, TempMin, AnnealRate, AnnealEvery);
}
