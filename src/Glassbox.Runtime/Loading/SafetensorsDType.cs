using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>The safetensors dtype names Glassbox understands and their TorchSharp counterparts.</summary>
public static class SafetensorsDType
{
    private static readonly (string Name, ScalarType Type, int Size)[] Table =
    {
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("F64", ScalarType.Float64, 8),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    };

    /// <summary>Every supported safetensors dtype name, e.g. "F32".</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>Looks up a safetensors dtype name (case-sensitive, as the format requires).</summary>
    /// <param name="name">The dtype name from a header, e.g. "BF16".</param>
    /// <param name="type">The TorchSharp scalar type.</param>
    /// <param name="size">Bytes per element.</param>
    /// <returns>Whether the name is supported.</returns>
    public static bool TryParse(string name, out ScalarType type, out int size)
    {
        foreach (var e in Table)
        {
            if (e.Name == name)
            {
                type = e.Type;
                size = e.Size;
                return true;
            }
        }
        type = default;
        size = 0;
        return false;
    }

    /// <summary>The safetensors dtype name of a TorchSharp scalar type.</summary>
    /// <param name="type">A scalar type.</param>
    /// <returns>The name, e.g. "F16".</returns>
    /// <exception cref="ArgumentException">The type has no safetensors counterpart in Glassbox (e.g. complex).</exception>
    public static string NameOf(ScalarType type)
    {
        foreach (var e in Table)
        {
            if (e.Type == type)
                return e.Name;
        }
        throw new ArgumentException(
            $"scalar type {type} cannot be stored in safetensors (supported: {string.Join(", ", Names)})",
            nameof(type)
        );
    }

    /// <summary>Bytes per element of a supported scalar type.</summary>
    /// <param name="type">A scalar type.</param>
    /// <returns>The element size in bytes.</returns>
    /// <exception cref="ArgumentException">The type is not supported.</exception>
    public static int SizeOf(ScalarType type)
    {
        foreach (var e in Table)
        {
            if (e.Type == type)
                return e.Size;
        }
        throw new ArgumentException($"scalar type {type} cannot be stored in safetensors", nameof(type));
    }
}
