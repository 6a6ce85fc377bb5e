using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>One tensor described by a safetensors header.</summary>
/// <param name="Name">Tensor name, e.g. <c>h.0.attn.c_attn.weight</c>.</param>
/// <param name="DType">Safetensors dtype name, e.g. "BF16".</param>
/// <param name="ScalarType">The matching TorchSharp scalar type.</param>
/// <param name="Shape">Tensor shape; empty for a scalar.</param>
/// <param name="Begin">Start of the data, relative to the data buffer (after the header).</param>
/// <param name="End">End (exclusive) of the data, relative to the data buffer.</param>
public sealed record SafetensorsEntry(
    string Name,
    string DType,
    ScalarType ScalarType,
    long[] Shape,
    long Begin,
    long End
)
{
    /// <summary>Number of data bytes.</summary>
    public long ByteCount => End - Begin;

    /// <summary>Shape as text, e.g. "[768, 2304]".</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
