namespace CategoricalVae.Model;

/// <summary>The arithmetic of the training step's matrix products (config.json spells these in lower case).</summary>
public enum Precision
{
    /// <summary>float32 operands and accumulation: the source's arithmetic.</summary>
    Fp32,

    /// <summary>bfloat16 operands (rounded to nearest even from the float32 values) with float32 accumulation and
    /// output, as PyTorch's CPU autocast does; weights, Adam, the latent and output blocks and the loss stay float32.</summary>
    Bf16,
}
