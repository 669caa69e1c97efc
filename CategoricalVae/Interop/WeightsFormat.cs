namespace CategoricalVae.Interop;

/// <summary>The two files a model travels in (<see cref="WeightsFormats"/> names them).</summary>
public enum WeightsFormat
{
    /// <summary>A state_dict as `torch.save(model.state_dict(), path)` writes it: a zip holding a pickle and the tensors' bytes.</summary>
    Pytorch,

    /// <summary>The safetensors format: an 8-byte header length, a JSON header, then the tensors' bytes; nothing to execute.</summary>
    Safetensors,
}
