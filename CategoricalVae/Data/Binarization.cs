namespace CategoricalVae.Data;

/// <summary>How grey levels become the model's targets.</summary>
public enum Binarization
{
    /// <summary>Grey levels in [0, 1] with BCE, as the source script does.</summary>
    None,

    /// <summary>Each pixel set to 1 with probability equal to its grey level, drawn once from a recorded seed
    /// (the fixed binarisation of the Gumbel-Softmax paper's experiments).</summary>
    Fixed,

    /// <summary>Training pixels re-drawn every batch; the test set is binarised once, as with Fixed.</summary>
    Dynamic,
}
