using System.Globalization;

namespace Glassbox.Loading.Onnx;

/// <summary>A minimal protocol-buffers wire-format reader over a byte buffer. Every length is checked against the
/// buffer before use, so a malformed or lying message fails with <see cref="ModelFormatException"/>, never with a
/// giant allocation or an out-of-range read.</summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _buf;
    private readonly string _source;
    private readonly long _base;
    private int _pos;

    /// <param name="buffer">The message bytes.</param>
    /// <param name="source">File name for error messages.</param>
    /// <param name="baseOffset">Offset of <paramref name="buffer"/> in the whole file, for <see cref="BytesRange"/>.</param>
    public ProtoReader(ReadOnlySpan<byte> buffer, string source, long baseOffset = 0)
    {
        _buf = buffer;
        _source = source;
        _base = baseOffset;
        _pos = 0;
    }

    /// <summary>Reads a length-delimited field and returns its absolute (offset, length) in the file.</summary>
    public (long Offset, int Length) BytesRange()
    {
        var s = Bytes();
        return (_base + _pos - s.Length, s.Length);
    }

    /// <summary>A reader for a nested message (length-delimited field) that keeps absolute offsets.</summary>
    public ProtoReader Nested()
    {
        var s = Bytes();
        return new ProtoReader(s, _source, _base + _pos - s.Length);
    }

    public bool End => _pos >= _buf.Length;

    /// <summary>Reads the next key: field number and wire type.</summary>
    public (int Field, int Wire) Key()
    {
        ulong k = Varint();
        int field = (int)(k >> 3),
            wire = (int)(k & 7);
        if (field <= 0)
            Fail(string.Create(CultureInfo.InvariantCulture, $"bad field number {field}"));
        return (field, wire);
    }

    public ulong Varint()
    {
        ulong r = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _buf.Length)
                Fail("truncated varint");
            byte b = _buf[_pos++];
            r |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return r;
        }
        Fail("varint longer than 10 bytes");
        return 0;
    }

    public ReadOnlySpan<byte> Bytes()
    {
        ulong n = Varint();
        if (n > (ulong)(_buf.Length - _pos))
            Fail(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"length {n} runs past the end of the message ({_buf.Length - _pos} bytes left)"
                )
            );
        var s = _buf.Slice(_pos, (int)n);
        _pos += (int)n;
        return s;
    }

    public string String() => System.Text.Encoding.UTF8.GetString(Bytes());

    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0:
                Varint();
                break;
            case 1:
                Advance(8);
                break;
            case 2:
                Bytes();
                break;
            case 5:
                Advance(4);
                break;
            default:
                Fail(string.Create(CultureInfo.InvariantCulture, $"unsupported wire type {wire}"));
                break;
        }
    }

    public ReadOnlySpan<byte> Fixed(int n)
    {
        if (n > _buf.Length - _pos)
            Fail("truncated fixed-width field");
        var s = _buf.Slice(_pos, n);
        _pos += n;
        return s;
    }

    private void Advance(int n) => Fixed(n);

    /// <summary>Reads a repeated varint field that may be packed (wire 2) or not (wire 0).</summary>
    public void Varints(int wire, List<long> into)
    {
        if (wire == 0)
        {
            into.Add((long)Varint());
            return;
        }
        if (wire != 2)
            Fail(string.Create(CultureInfo.InvariantCulture, $"wire type {wire} for a varint field"));
        var inner = new ProtoReader(Bytes(), _source);
        while (!inner.End)
            into.Add((long)inner.Varint());
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private readonly void Fail(string why) =>
        throw new ModelFormatException(
            string.Create(CultureInfo.InvariantCulture, $"{_source}: malformed protobuf at byte {_pos}: {why}")
        );
}
