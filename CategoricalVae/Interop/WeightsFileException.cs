namespace CategoricalVae.Interop;

/// <summary>Why a weights file cannot be imported, as the end of a sentence that starts with the file's name.</summary>
sealed class WeightsFileException(string reason) : Exception(reason);
