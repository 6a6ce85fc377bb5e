using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Glassbox.Loading.Onnx;

/// <summary>An ONNX initializer (or Constant value): name, element type, dims and its raw bytes (little-endian). For
/// tensors stored as raw_data, <see cref="Raw"/> is a slice of the model's bytes, not a copy.</summary>
public sealed record OnnxTensor(string Name, int DataType, long[] Dims, ReadOnlyMemory<byte> Raw)
{
    /// <summary>ONNX FLOAT.</summary>
    public const int Float = 1;

    /// <summary>ONNX INT32.</summary>
    public const int Int32 = 6;

    /// <summary>ONNX INT64.</summary>
    public const int Int64 = 7;

    /// <summary>ONNX FLOAT16.</summary>
    public const int Float16 = 10;

    /// <summary>Number of elements.</summary>
    public long Count => Dims.Aggregate(1L, (a, b) => a * b);

    /// <summary>Values as float32.</summary>
    /// <exception cref="ModelFormatException">Not a float tensor.</exception>
    public float[] Floats() =>
        DataType switch
        {
            Float => MemoryMarshal.Cast<byte, float>(Raw.Span).ToArray(),
            Float16 => MemoryMarshal.Cast<byte, Half>(Raw.Span).ToArray().Select(h => (float)h).ToArray(),
            _ => throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"ONNX tensor '{Name}' has data type {DataType}, expected a float type"
                )
            ),
        };

    /// <summary>Values as int64.</summary>
    /// <exception cref="ModelFormatException">Not an integer tensor.</exception>
    public long[] Longs() =>
        DataType switch
        {
            Int64 => MemoryMarshal.Cast<byte, long>(Raw.Span).ToArray(),
            Int32 => MemoryMarshal.Cast<byte, int>(Raw.Span).ToArray().Select(v => (long)v).ToArray(),
            _ => throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"ONNX tensor '{Name}' has data type {DataType}, expected an integer type"
                )
            ),
        };
}

/// <summary>One graph node: operator, inputs, outputs, and the tensor value of a Constant.</summary>
public sealed record OnnxNode(
    string OpType,
    string Name,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    OnnxTensor? Value
);

/// <summary>The parts of an ONNX ModelProto that weight import needs: initializers, nodes, graph inputs and outputs.</summary>
public sealed class OnnxModel
{
    /// <summary>Initializers by name.</summary>
    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

    /// <summary>Nodes in graph order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>Graph input names.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Graph output names.</summary>
    public IReadOnlyList<string> Outputs { get; }

    private OnnxModel(
        Dictionary<string, OnnxTensor> inits,
        List<OnnxNode> nodes,
        List<string> inputs,
        List<string> outputs
    )
    {
        Initializers = inits;
        Nodes = nodes;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>Parses an ONNX model.</summary>
    /// <exception cref="ModelFormatException">Malformed protobuf, external data, or unsupported tensor storage.</exception>
    public static OnnxModel Parse(ReadOnlyMemory<byte> bytes, string source)
    {
        var r = new ProtoReader(bytes.Span, source);
        (long Offset, int Length)? graphAt = null;
        while (!r.End)
        {
            var (f, w) = r.Key();
            if (f == 7 && w == 2)
                graphAt = r.BytesRange();
            else
                r.Skip(w);
        }
        if (graphAt is not { } ga)
            throw new ModelFormatException($"{source}: no graph in the ONNX model");
        var inits = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var nodes = new List<OnnxNode>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var g = new ProtoReader(bytes.Span.Slice((int)ga.Offset, ga.Length), source, ga.Offset);
        while (!g.End)
        {
            var (f, w) = g.Key();
            if (w != 2)
            {
                g.Skip(w);
                continue;
            }
            switch (f)
            {
                case 1:
                    nodes.Add(ReadNode(g.Nested(), bytes, source));
                    break;
                case 5:
                {
                    var t = ReadTensor(g.Nested(), bytes, source);
                    inits[t.Name] = t;
                    break;
                }
                case 11:
                    inputs.Add(ReadValueInfoName(g.Bytes(), source));
                    break;
                case 12:
                    outputs.Add(ReadValueInfoName(g.Bytes(), source));
                    break;
                default:
                    g.Skip(w);
                    break;
            }
        }
        return new OnnxModel(inits, nodes, inputs, outputs);
    }

    private static string ReadValueInfoName(ReadOnlySpan<byte> b, string source)
    {
        var r = new ProtoReader(b, source);
        while (!r.End)
        {
            var (f, w) = r.Key();
            if (f == 1 && w == 2)
                return r.String();
            r.Skip(w);
        }
        return "";
    }

    private static OnnxNode ReadNode(ProtoReader r, ReadOnlyMemory<byte> file, string source)
    {
        var ins = new List<string>();
        var outs = new List<string>();
        string op = "",
            name = "";
        OnnxTensor? value = null;
        while (!r.End)
        {
            var (f, w) = r.Key();
            if (w != 2)
            {
                r.Skip(w);
                continue;
            }
            switch (f)
            {
                case 1:
                    ins.Add(r.String());
                    break;
                case 2:
                    outs.Add(r.String());
                    break;
                case 3:
                    name = r.String();
                    break;
                case 4:
                    op = r.String();
                    break;
                case 5:
                    value ??= ReadAttributeTensor(r.Nested(), file, source);
                    break;
                default:
                    r.Skip(w);
                    break;
            }
        }
        return new OnnxNode(op, name, ins, outs, value);
    }

    private static OnnxTensor? ReadAttributeTensor(ProtoReader r, ReadOnlyMemory<byte> file, string source)
    {
        string name = "";
        OnnxTensor? t = null;
        while (!r.End)
        {
            var (f, w) = r.Key();
            if (f == 1 && w == 2)
                name = r.String();
            else if (f == 5 && w == 2)
                t = ReadTensor(r.Nested(), file, source);
            else
                r.Skip(w);
        }
        return name == "value" ? t : null;
    }

    private static OnnxTensor ReadTensor(ProtoReader r, ReadOnlyMemory<byte> file, string source)
    {
        var dims = new List<long>();
        var ints = new List<long>();
        var floats = new List<float>();
        int dtype = 0;
        string name = "";
        ReadOnlyMemory<byte>? raw = null;
        while (!r.End)
        {
            var (f, w) = r.Key();
            switch (f)
            {
                case 1:
                    r.Varints(w, dims);
                    break;
                case 2:
                    dtype = (int)r.Varint();
                    break;
                case 4:
                    if (w == 5)
                        floats.Add(BinaryPrimitives.ReadSingleLittleEndian(r.Fixed(4)));
                    else
                    {
                        var p = r.Bytes();
                        if (p.Length % 4 != 0)
                            throw new ModelFormatException(
                                $"{source}: float_data length {p.Length} is not a multiple of 4"
                            );
                        floats.AddRange(MemoryMarshal.Cast<byte, float>(p).ToArray());
                    }
                    break;
                case 5:
                case 7:
                    r.Varints(w, ints);
                    break;
                case 8:
                    name = r.String();
                    break;
                case 9:
                {
                    var (off, len) = r.BytesRange();
                    raw = file.Slice((int)off, len);
                    break;
                }
                case 13:
                case 14:
                    throw new ModelFormatException(
                        $"{source}: tensor '{name}' uses external data, which is not supported"
                    );
                default:
                    r.Skip(w);
                    break;
            }
        }
        foreach (var d in dims)
            if (d < 0)
                throw new ModelFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"{source}: tensor '{name}' has negative dim {d}")
                );
        if (raw is null)
        {
            raw = dtype switch
            {
                OnnxTensor.Float => MemoryMarshal.AsBytes(floats.ToArray().AsSpan()).ToArray(),
                OnnxTensor.Int64 => MemoryMarshal.AsBytes(ints.ToArray().AsSpan()).ToArray(),
                OnnxTensor.Int32 => MemoryMarshal.AsBytes(ints.Select(v => (int)v).ToArray().AsSpan()).ToArray(),
                _ => Array.Empty<byte>(),
            };
        }
        var t = new OnnxTensor(name, dtype, dims.ToArray(), raw.Value);
        int size = dtype switch
        {
            OnnxTensor.Float or OnnxTensor.Int32 => 4,
            OnnxTensor.Int64 => 8,
            OnnxTensor.Float16 => 2,
            _ => 0,
        };
        if (size > 0 && t.Count * size != raw.Value.Length)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{source}: tensor '{name}' has {raw.Value.Length} bytes but dims [{string.Join(", ", t.Dims)}] need {t.Count * size}"
                )
            );
        return t;
    }
}
