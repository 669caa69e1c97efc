namespace CategoricalVae.Interop;

/// <summary>What a weights file says about one tensor: its name, element type ("float32", "float64", …) and shape.</summary>
public sealed record TensorEntry(string Name, string DType, long[] Shape);
