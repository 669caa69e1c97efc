using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CategoricalVae.Interop;

/// <summary>
/// Reads a safetensors file through TorchSharp.PyBridge, after checking its header here: PyBridge trusts the header
/// (it allocates each tensor at the shape the header claims before it checks the byte count, and reads the header's
/// claimed length whatever the file's), so names, types, shapes and byte ranges are all checked against the model
/// and the file first. Nothing in a safetensors file is executable.
/// </summary>
static class SafetensorsReader
{
    /// <summary>The tensors of <paramref name="bytes"/> (a whole safetensors file), or a refusal saying why not.</summary>
    public static Dictionary<string, Tensor> Read(byte[] bytes, ExpectedStateDict expected)
    {
        var entries = Header(bytes, out long dataStart);
        if (expected.Problem(entries.Select(e => e.Entry).ToList()) is { } problem)
            throw new WeightsFileException(problem);
        foreach (var (entry, begin, end) in entries)
        {
            long needed = entry.Shape.Aggregate(1L, (n, d) => n * d) * ElementSize(entry.DType);
            if (end - begin != needed)
                throw new WeightsFileException($"tensor {entry.Name} spans {end - begin} bytes, but its shape and type need {needed}.");
            if (dataStart + end > bytes.Length)
                throw new WeightsFileException($"tensor {entry.Name} ends past the end of the file (truncated).");
        }
        return Safetensors.LoadStateDict(new MemoryStream(bytes, writable: false));
    }

    /// <summary>The tensors the header lists, with their byte ranges after the header.</summary>
    static List<(TensorEntry Entry, long Begin, long End)> Header(byte[] bytes, out long dataStart)
    {
        if (bytes.Length < 8)
            throw new WeightsFileException("it is too short to be a safetensors file.");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (length > (ulong)(bytes.Length - 8))
            throw new WeightsFileException($"its header claims {length} bytes, more than the file holds (truncated, or not safetensors).");
        dataStart = 8 + (long)length;
        JsonDocument header;
        try
        {
            header = JsonDocument.Parse(bytes.AsMemory(8, (int)length));
        }
        catch (JsonException)
        {
            throw new WeightsFileException("its safetensors header is not valid JSON (truncated or corrupt).");
        }
        using var _ = header;
        if (header.RootElement.ValueKind != JsonValueKind.Object)
            throw new WeightsFileException("its safetensors header is not a JSON object.");
        var entries = new List<(TensorEntry, long, long)>();
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                if (property.Value.ValueKind != JsonValueKind.Object || property.Value.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
                    throw new WeightsFileException("its safetensors __metadata__ is not a map of strings.");
                continue;
            }
            entries.Add(Entry(property));
        }
        return entries;
    }

    static (TensorEntry, long, long) Entry(JsonProperty property)
    {
        var value = property.Value;
        string bad = $"its safetensors header entry for '{property.Name}' is malformed (it needs dtype, shape and data_offsets).";
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new WeightsFileException(bad);
        long[] dims = shape.EnumerateArray().Select(d => d.TryGetInt64(out long n) && n >= 0 ? n : -1).ToArray();
        long[] range = offsets.EnumerateArray().Select(d => d.TryGetInt64(out long n) && n >= 0 ? n : -1).ToArray();
        if (dims.Contains(-1) || range.Contains(-1) || range[0] > range[1])
            throw new WeightsFileException(bad);
        return (new TensorEntry(property.Name, TypeName(dtype.GetString()!), dims), range[0], range[1]);
    }

    /// <summary>The torch name of a safetensors element type ("F32" → "float32").</summary>
    static string TypeName(string dtype) => dtype switch
    {
        "F64" => "float64", "F32" => "float32", "F16" => "float16", "BF16" => "bfloat16",
        "I64" => "int64", "I32" => "int32", "I16" => "int16", "I8" => "int8", "U8" => "uint8", "BOOL" => "bool",
        _ => dtype.ToLowerInvariant(),
    };

    static long ElementSize(string type) => type switch { "float64" => 8, "float32" => 4, _ => 2 };
}
