namespace CategoricalVae.Training;

/// <summary>How a training step ended.</summary>
public enum StepOutcome
{
    /// <summary>Loss and gradients finite; the optimizer stepped.</summary>
    Updated,

    /// <summary>The loss was NaN or infinite; nothing was updated.</summary>
    LossNotFinite,

    /// <summary>A gradient was NaN or infinite; the optimizer did not step.</summary>
    GradientsNotFinite,
}
