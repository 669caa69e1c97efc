using static TorchSharp.torch;

namespace CategoricalVae.Training;

/// <summary>One training step's loss terms (means per example) and its reconstruction [B, 784], which lives in the
/// caller's dispose scope.</summary>
public readonly record struct StepResult(StepOutcome Outcome, double Loss, double Bce, double Kl, Tensor Reconstruction);
