namespace CategoricalVae.Data;

/// <summary>Images as read from an IDX3 file: Count × Rows × Cols bytes, row-major.</summary>
public sealed record IdxImages(int Count, int Rows, int Cols, byte[] Pixels);
