using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>Raw access to a contiguous CPU tensor's bytes, in chunks small enough for a <see cref="Span{T}"/>.</summary>
internal static class TensorMemory
{
    /// <summary>Receives one chunk of a tensor's memory and its byte offset within the tensor.</summary>
    public delegate void ChunkAction(Span<byte> chunk, long byteOffset);

    /// <summary>Default chunk size (256 MiB).</summary>
    public const long DefaultChunkBytes = 1L << 28;

    /// <summary>Calls <paramref name="action"/> on successive chunks covering the whole tensor in memory order.</summary>
    /// <param name="t">A contiguous CPU tensor.</param>
    /// <param name="action">Called once per chunk.</param>
    /// <param name="chunkBytes">Largest chunk in bytes (rounded down to whole elements).</param>
    public static void ForEachChunk(Tensor t, ChunkAction action, long chunkBytes = DefaultChunkBytes)
    {
        if (!t.is_contiguous() || t.device_type != DeviceType.CPU)
            throw new ArgumentException("tensor must be contiguous and on the CPU", nameof(t));
        long n = t.numel();
        if (n == 0)
            return;
        long elemSize = t.element_size();
        long elemsPerChunk = Math.Max(1, chunkBytes / elemSize);
        if (n <= elemsPerChunk)
        {
            action(t.bytes, 0);
            return;
        }
        using var flat = t.reshape(-1);
        for (long start = 0; start < n; start += elemsPerChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(elemsPerChunk, n - start));
            action(part.bytes, start * elemSize);
        }
    }
}
