// Why our own allocator for hooked activations: at batch 1 a MiniLM forward that cached every hook point made ~110
// libtorch tensors (an empty, a detached alias for the cache, two disposals each), which cost more than the copies.
// Carving the activations from a few blocks and handing the cache (block, offset, shape) instead of a tensor took the
// cached run from 1.18-1.22x a plain forward to 1.07-1.09x (docs/benchmarks.md, "Caching at batch 1"). A tensor is
// made only when a hook function runs or the cache is read.
using static TorchSharp.torch;

namespace Glassbox.Models.Encode;

/// <summary>One managed-encoder run's memory for hooked activations: blocks of float32 from which stage results are
/// carved 64-byte aligned. Small requests share a block of <see cref="BlockFloats"/>; a larger one gets a block of its
/// own, so nothing much above what is asked for is allocated. The run's blocks are freed when the run ends unless the
/// cache still holds activations in them (it keeps its own handle to each such block).</summary>
internal sealed unsafe class EncoderArena : IDisposable
{
    /// <summary>Floats of a shared block (1 MiB): a 14-token MiniLM run that caches every hook point fills three, where
    /// blocks of 256 KiB took ten, each a libtorch tensor made, aliased for the cache and freed twice.</summary>
    public const long BlockFloats = 1L << 18;

    private readonly List<Tensor> _blocks = new();
    private Tensor? _open;
    private float* _openData;
    private long _used;

    /// <summary>A contiguous activation of <paramref name="shape"/> in the arena.</summary>
    public EncoderActivation Take(params long[] shape)
    {
        long n = 1;
        foreach (long s in shape)
            n *= s;
        var strides = new long[shape.Length];
        long step = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = step;
            step *= shape[i];
        }
        if (n >= BlockFloats)
        {
            var own = NewBlock(n);
            return new EncoderActivation(own, 0, shape, strides, EncoderHooks.Ptr(own));
        }
        if (_open is null || _used + n > BlockFloats)
        {
            _open = NewBlock(BlockFloats);
            _openData = EncoderHooks.Ptr(_open);
            _used = 0;
        }
        var a = new EncoderActivation(_open, _used, shape, strides, _openData + _used);
        _used += (n + 15) / 16 * 16;
        return a;
    }

    private Tensor NewBlock(long floats)
    {
        var t = empty(new[] { floats }, ScalarType.Float32); // [floats]
        t.DetachFromDisposeScope();
        _blocks.Add(t);
        return t;
    }

    public void Dispose()
    {
        foreach (var t in _blocks)
            t.Dispose();
        _blocks.Clear();
        _open = null;
    }
}

/// <summary>An activation a hook point fires on: either a region of an arena block (<see cref="Block"/>,
/// <see cref="Offset"/> in floats, <see cref="Shape"/> with <see cref="Strides"/>) or a tensor a hook returned in its
/// place. <see cref="Data"/> is its first float.</summary>
internal sealed unsafe class EncoderActivation
{
    private Tensor? _tensor;

    public EncoderActivation(Tensor? block, long offset, long[] shape, long[] strides, float* data)
    {
        Block = block;
        Offset = offset;
        Shape = shape;
        Strides = strides;
        Data = data;
    }

    /// <summary>A tensor (contiguous, float32, CPU) that a hook returned.</summary>
    public static EncoderActivation Of(Tensor t) =>
        new(null, 0, t.shape, t.stride(), EncoderHooks.Ptr(t)) { _tensor = t };

    public Tensor? Block { get; }
    public long Offset { get; }
    public long[] Shape { get; }
    public long[] Strides { get; }
    public float* Data { get; }

    /// <summary>The same block memory seen as <paramref name="shape"/> with <paramref name="strides"/>, starting
    /// <paramref name="at"/> floats further on (e.g. the queries inside the fused Q/K/V product).</summary>
    public EncoderActivation Slice(long at, long[] shape, long[] strides) =>
        new(Block, Offset + at, shape, strides, Data + at);

    /// <summary>The activation as a tensor of <see cref="Shape"/> (e.g. [batch, pos, d_model]): a view of the block, made
    /// on first use in the current dispose scope.</summary>
    public Tensor AsTensor() => _tensor ??= Block!.as_strided(Shape, Strides, Offset);
}
