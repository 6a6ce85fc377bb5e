// One weight of the managed encoder in MKL's packed form (MklPackedWeight), cut into the column slices the encoder's
// threads share. Why: at a few rows MKL's packed product is 15-20% faster than its plain SGEMM (docs/benchmarks.md,
// "Packed weights"). The packs are copies, so each product first reads the weight's libtorch version counter
// (TensorVersion) and its data address, and a slice whose pack is older is packed again before use: a weight changed
// in place by any libtorch op (or a view of it: W_Q is a view of the fused W_QKV) is seen on the next forward, as on the
// libtorch path. Where the version cannot be read (an inference-mode tensor) the encoder keeps the plain SGEMM.
using TorchSharp;
using Tensor = TorchSharp.torch.Tensor;

namespace Glassbox.Models.Encode;

/// <summary>The packed column slices of one weight [n, k], remade when the weight changes.</summary>
internal sealed unsafe class PackedLinear : IDisposable
{
    private readonly Tensor _weight; // [n, k], contiguous
    private readonly int _k;
    private readonly Slice[] _slices;
    private readonly object _gate = new();
    private long _version = long.MinValue;
    private nint _data;
    private int _generation;

    private PackedLinear(Tensor weight)
    {
        _weight = weight;
        int n = (int)weight.shape[0];
        _k = (int)weight.shape[1];
        int count = Math.Clamp(n / 16, 1, EncoderKernels.ProductPieces);
        int width = (n / count + 15) / 16 * 16;
        _slices = Enumerable
            .Range(0, count)
            .Select(s => new Slice(s * width, Math.Min(width, n - s * width)))
            .Where(s => s.Count > 0)
            .ToArray();
    }

    /// <summary>Most rows of a product that uses the packs: MiniLM's 608-row products at batch 32 ran as fast without.</summary>
    public const int MostRows = 128;

    /// <summary>Largest model (parameters) whose weights are packed: the copies cost memory about the size of the products'
    /// weights, and larger models spend their time in products with more rows, where the packs gain nothing measured.</summary>
    public const long MaxParameters = 64_000_000;

    /// <summary>The packed form of <paramref name="weight"/> [n, k], or null where MKL's packed GEMM is unavailable or
    /// the weight is not a contiguous float32 matrix on the CPU.</summary>
    public static PackedLinear? For(Tensor? weight) =>
        weight is not null
        && MklPackedWeight.Available
        && weight.dim() == 2
        && weight.dtype == torch.ScalarType.Float32
        && weight.device_type == DeviceType.CPU
        && weight.is_contiguous()
        && weight.shape[0] > 0
        && weight.shape[1] > 0
            ? new PackedLinear(weight)
            : null;

    /// <summary>Column slices, each computed by one call of <see cref="Compute"/>.</summary>
    public int Slices => _slices.Length;

    /// <summary>Reads the weight's version and address before a product; false when the version cannot be read (the
    /// caller then uses the plain SGEMM on the weight itself).</summary>
    public bool Refresh(out Snapshot snapshot)
    {
        snapshot = default;
        long? version = TensorVersion.Of(_weight);
        if (version is null)
            return false;
        nint data = (nint)EncoderHooks.Ptr(_weight);
        lock (_gate)
        {
            if (version.Value != _version || data != _data)
            {
                _version = version.Value;
                _data = data;
                _generation++;
            }
            snapshot = new Snapshot(data, _generation);
        }
        return true;
    }

    /// <summary>y[r, n0 + j] = x[r, :] · W[n0 + j, :] for slice <paramref name="s"/> (columns n0 .. n0 + count), rows
    /// r &lt; m of row-major x [m, k]; y's row stride <paramref name="ldy"/>. Packs the slice first if its pack is older
    /// than <paramref name="snapshot"/>.</summary>
    public void Compute(in Snapshot snapshot, int s, float* x, int m, float* y, int ldy)
    {
        var slice = _slices[s];
        lock (slice)
        {
            if (slice.Generation != snapshot.Generation || slice.Pack is null)
            {
                slice.Pack ??= new MklPackedWeight(slice.Count, _k);
                slice.Pack.Pack((float*)snapshot.Data + (long)slice.Start * _k);
                slice.Generation = snapshot.Generation;
            }
            slice.Pack.Compute(x, m, y + slice.Start, ldy);
        }
    }

    /// <summary>First output column of slice <paramref name="s"/> and its column count.</summary>
    public (int Start, int Count) Columns(int s) => (_slices[s].Start, _slices[s].Count);

    /// <summary>Unmaps every pack.</summary>
    public void Dispose()
    {
        foreach (var slice in _slices)
            lock (slice)
            {
                slice.Pack?.Dispose();
                slice.Pack = null;
                slice.Generation = -1;
            }
    }

    /// <summary>The weight's address and pack generation read before one product.</summary>
    public readonly record struct Snapshot(nint Data, int Generation);

    private sealed class Slice(int start, int count)
    {
        public int Start { get; } = start;
        public int Count { get; } = count;
        public MklPackedWeight? Pack { get; set; }
        public int Generation { get; set; } = -1;
    }
}
