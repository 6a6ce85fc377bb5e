using System.Buffers;

namespace Glassbox.Loading.Onnx;

/// <summary>A <see cref="ReadOnlyMemory{T}"/> over the memory of an <see cref="UnmanagedMemoryStream"/> (a manifest
/// resource mapped from its assembly), so a large resource can be parsed without copying it to the heap. Valid while
/// the assembly is loaded, i.e. for the life of the process.</summary>
internal sealed unsafe class UnmanagedBytes : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    private UnmanagedBytes(byte* pointer, int length)
    {
        _pointer = pointer;
        _length = length;
    }

    /// <summary>The stream's whole content as memory.</summary>
    /// <exception cref="ModelFormatException">The resource is larger than 2 GiB.</exception>
    public static ReadOnlyMemory<byte> Of(UnmanagedMemoryStream s)
    {
        if (s.Length > int.MaxValue)
            throw new ModelFormatException($"resource of {s.Length} bytes is too large to map");
        s.Position = 0;
        return new UnmanagedBytes(s.PositionPointer, (int)s.Length).Memory;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
