using CategoricalVae.Model;

namespace CategoricalVae.Interop;

/// <summary>
/// The tensors a state_dict of one model shape must hold (fc1.weight … fc6.bias, as the original VAE_gumbel names
/// them), and the first way a file's tensors differ from them, said so that the user can act on it.
/// </summary>
public sealed class ExpectedStateDict
{
    /// <summary>Room beside the tensors' bytes for the container: zip headers and the pickle, or the safetensors header.</summary>
    const long ContainerAllowance = 1 << 20;

    public ExpectedStateDict(CategoricalVaeModel model)
    {
        LatentDim = model.LatentDim;
        Categories = model.Categories;
        Tensors = model.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();
    }

    public int LatentDim { get; }
    public int Categories { get; }

    /// <summary>Name and shape of every tensor, in the model's order.</summary>
    public IReadOnlyList<(string Name, long[] Shape)> Tensors { get; }

    public string Model => $"{LatentDim}×{Categories}";

    /// <summary>The largest file that can hold this model's state_dict: every tensor float64, plus the container.
    /// Anything larger is refused before a byte of it is read.</summary>
    public long MaxFileBytes => 8 * CategoricalVaeModel.ParameterCount(LatentDim, Categories) + ContainerAllowance;

    /// <summary>Element types converted to float32 on import; any other is refused.</summary>
    public static readonly string[] ConvertibleTypes = ["float64", "float16", "bfloat16"];

    /// <summary>The first mismatch between <paramref name="entries"/> and this model's tensors, or null: an unknown or
    /// repeated name, a missing tensor, an element type that is not floating point, a wrong shape.</summary>
    public string? Problem(IReadOnlyList<TensorEntry> entries)
    {
        var shapes = Tensors.ToDictionary(t => t.Name, t => t.Shape);
        var seen = new HashSet<string>();
        foreach (var entry in entries)
        {
            if (!shapes.ContainsKey(entry.Name))
                return $"it holds a tensor '{Shown(entry.Name)}' that the model has not (a state_dict of VAE_gumbel holds {string.Join(", ", shapes.Keys)}).";
            if (!seen.Add(entry.Name))
                return $"it holds tensor {entry.Name} twice.";
        }
        // In the model's order, so that the same file always gets the same message.
        var byName = entries.ToDictionary(e => e.Name);
        foreach (var (name, wanted) in Tensors)
        {
            if (!byName.TryGetValue(name, out var entry))
                continue;
            if (entry.DType != "float32" && !ConvertibleTypes.Contains(entry.DType))
                return $"tensor {name} is {entry.DType}; weights must be floating point (float32, or float64, float16 or bfloat16, which are converted).";
            if (!entry.Shape.SequenceEqual(wanted))
                return $"tensor {name} has shape {Shape(entry.Shape)}, but a {Model} model's is {Shape(wanted)}{CodeHint(entry)}.";
        }
        if (Tensors.FirstOrDefault(t => !seen.Contains(t.Name)) is { Name: not null } missing)
            return $"tensor {missing.Name} is missing (a state_dict of VAE_gumbel holds {string.Join(", ", shapes.Keys)}).";
        return null;
    }

    /// <summary>When the code layer's size is what differs, the sizes that would fit.</summary>
    string CodeHint(TensorEntry entry)
    {
        long? code = entry.Name switch
        {
            "fc3.weight" when entry.Shape.Length == 2 => entry.Shape[0],
            "fc3.bias" when entry.Shape.Length == 1 => entry.Shape[0],
            "fc4.weight" when entry.Shape.Length == 2 => entry.Shape[1],
            _ => null,
        };
        return code is { } c && c != (long)LatentDim * Categories
            ? $" (the file's code has {c} units: give --latent-dim and --categories whose product is {c})"
            : "";
    }

    static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>A name from the file as it can be printed on one line.</summary>
    static string Shown(string name)
    {
        string visible = string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return visible.Length > 80 ? visible[..80] + "…" : visible;
    }
}
