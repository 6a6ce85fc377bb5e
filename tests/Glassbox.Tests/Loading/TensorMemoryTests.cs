using Glassbox.Loading;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Loading;

public class TensorMemoryTests
{
    [Fact]
    public void Should_cover_a_tensor_exactly_once_when_chunked()
    {
        using var t = ScalarMath.Arange(1000, ScalarType.Float32).reshape(10, 100);
        var whole = t.bytes.ToArray();
        var seen = new byte[whole.Length];
        var offsets = new List<long>();
        TensorMemory.ForEachChunk(
            t,
            (chunk, at) =>
            {
                offsets.Add(at);
                chunk.CopyTo(seen.AsSpan((int)at));
            },
            chunkBytes: 96
        );
        Assert.Equal(Enumerable.Range(0, 42).Select(i => i * 96L), offsets); // 4000 bytes in 96-byte chunks
        Assert.Equal(whole, seen);
    }

    [Fact]
    public void Should_read_into_chunks_that_write_back_to_the_tensor()
    {
        using var t = torch.zeros(37, dtype: ScalarType.Int32);
        TensorMemory.ForEachChunk(
            t,
            (chunk, at) =>
            {
                for (int i = 0; i < chunk.Length; i += 4)
                    BitConverter.TryWriteBytes(chunk[i..], (int)((at + i) / 4));
            },
            chunkBytes: 8
        );
        Assert.Equal(Enumerable.Range(0, 37).ToArray(), t.data<int>().ToArray());
    }
}
