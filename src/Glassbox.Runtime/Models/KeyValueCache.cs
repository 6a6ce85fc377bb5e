using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>
/// Keys and values of the positions a causal model has already seen, so that generation runs one new token per step
/// instead of the whole sequence. Made by <see cref="HookedTransformer.NewCache"/> for one model and one batch size,
/// filled by <see cref="HookedTransformer.RunCached"/>. Buffers are allocated once for <see cref="Capacity"/>
/// positions; keys are stored after the rotary embedding. Not thread-safe. Dispose it to free the buffers.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private readonly LayerKv[] _layers;
    private readonly Tensor _mask; // [batch, capacity] bool, true = real token
    private readonly long[] _next;
    private int _complete; // positions filled in every layer

    internal KeyValueCache(HookedTransformer owner, int batchSize, int capacity)
    {
        Owner = owner;
        BatchSize = batchSize;
        Capacity = capacity;
        var c = owner.Config;
        using var scope = NewDisposeScope();
        _layers = Enumerable
            .Range(0, c.NLayers)
            .Select(_ => new LayerKv(
                zeros(batchSize, c.KvHeads, capacity, c.HeadDim, owner.Weights["embed.W_E"].dtype, owner.Device)
                    .DetachFromDisposeScope(),
                zeros(batchSize, c.KvHeads, capacity, c.HeadDim, owner.Weights["embed.W_E"].dtype, owner.Device)
                    .DetachFromDisposeScope(),
                this
            ))
            .ToArray();
        _mask = zeros(batchSize, capacity, ScalarType.Bool, owner.Device).DetachFromDisposeScope();
        _next = new long[batchSize];
    }

    /// <summary>The model this cache belongs to.</summary>
    public HookedTransformer Owner { get; }

    /// <summary>Number of sequences.</summary>
    public int BatchSize { get; }

    /// <summary>Most positions (padding included) the cache can hold.</summary>
    public int Capacity { get; }

    /// <summary>Positions filled so far (padding included): the padded index of the next token.</summary>
    public int Length { get; internal set; }

    /// <summary>Real tokens seen so far by each sequence: the position id its next token gets.</summary>
    public IReadOnlyList<long> NextPositions => _next;

    /// <summary>Cached keys of layer <paramref name="layer"/>, a view of the filled part (do not dispose):
    /// [batch, kv_head, pos, d_head] with pos = <see cref="Length"/>.</summary>
    public Tensor Keys(int layer) => _layers[layer].K.narrow(2, 0, Length);

    /// <summary>Cached values of layer <paramref name="layer"/>, a view of the filled part (do not dispose):
    /// [batch, kv_head, pos, d_head] with pos = <see cref="Length"/>.</summary>
    public Tensor Values(int layer) => _layers[layer].V.narrow(2, 0, Length);

    /// <summary>Which cached positions are real tokens (false = padding), a view (do not dispose): [batch, pos].</summary>
    public Tensor Mask => _mask.narrow(1, 0, Length);

    internal LayerKv Layer(int layer) => _layers[layer];

    /// <summary>Checks that <paramref name="n"/> new positions of <paramref name="model"/> with batch size
    /// <paramref name="batchSize"/> fit this cache.</summary>
    internal void Check(HookedTransformer model, int batchSize, int n)
    {
        if (StartedAtLayer is int s)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the KV cache was filled by a run that started at layer {s}; its lower layers lack those positions, so it cannot be extended (fork it before such a run)"
                )
            );
        if (!ReferenceEquals(model, Owner))
            throw new InputException(
                $"the KV cache belongs to {Owner.Name}, not to {model.Name}; make one with NewCache"
            );
        if (batchSize != BatchSize)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the KV cache holds {BatchSize} sequence(s) but the batch has {batchSize}"
                )
            );
        if (Length + n > Capacity)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Length} cached + {n} new positions exceed the context of {Owner.Name} ({Capacity})"
                )
            );
    }

    /// <summary>The block a run started at, when it was not 0: the blocks below it lack the newest positions.</summary>
    public int? StartedAtLayer { get; private set; }

    /// <summary>Writes the key mask of the new positions [batch, new_pos] and advances the per-row positions;
    /// <paramref name="startLayer"/> &gt; 0 marks the cache as not extendable (the lower blocks were not run).</summary>
    internal void Advance(Tensor newMask, IReadOnlyList<int> realTokens, int startLayer = 0)
    {
        if (startLayer > 0 && StartedAtLayer is null)
        {
            StartedAtLayer = startLayer;
            _complete = Length;
        }
        _mask.narrow(1, Length, newMask.shape[1]).copy_(newMask);
        Length += (int)newMask.shape[1];
        if (StartedAtLayer is null)
            _complete = Length;
        for (int b = 0; b < _next.Length; b++)
            _next[b] += realTokens[b];
    }

    /// <summary>A new cache for <paramref name="batchSize"/> sequences holding this cache's first
    /// <paramref name="length"/> positions: copied row by row, or, from a one-sequence cache, repeated into every row
    /// (e.g. a shared prompt prefix). The caller disposes it.</summary>
    /// <exception cref="InputException">The length exceeds what is cached, or the batch sizes do not match.</exception>
    public KeyValueCache Fork(int length, int batchSize)
    {
        if (length < 0 || length > Length)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"cannot fork {length} positions of a cache holding {Length}"
                )
            );
        if (BatchSize != 1 && batchSize != BatchSize)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"a cache of {BatchSize} sequences forks into {BatchSize}, or a one-sequence cache into any number; got {batchSize}"
                )
            );
        if (length > _complete)
            throw new InputException("cannot fork positions that a run started past layer 0 left incomplete");
        var f = new KeyValueCache(Owner, batchSize, Capacity);
        using var scope = NewDisposeScope();
        for (int l = 0; l < _layers.Length; l++)
        {
            f._layers[l].K.narrow(2, 0, length).copy_(_layers[l].K.narrow(2, 0, length).expand(batchSize, -1, -1, -1));
            f._layers[l].V.narrow(2, 0, length).copy_(_layers[l].V.narrow(2, 0, length).expand(batchSize, -1, -1, -1));
        }
        var m = _mask.narrow(1, 0, length);
        f._mask.narrow(1, 0, length).copy_(m.expand(batchSize, -1));
        var real = m.sum(new long[] { 1 }).cpu().data<long>().ToArray(); // real tokens per row
        for (int b = 0; b < batchSize; b++)
            f._next[b] = real[BatchSize == 1 ? 0 : b];
        f.Length = length;
        return f;
    }

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        foreach (var l in _layers)
        {
            l.K.Dispose();
            l.V.Dispose();
        }
        _mask.Dispose();
    }
}

/// <summary>One layer's key and value buffers [batch, kv_head, capacity, d_head]; the attention writes the new
/// positions at <see cref="KeyValueCache.Length"/> and attends over everything filled.</summary>
internal sealed record LayerKv(Tensor K, Tensor V, KeyValueCache Cache)
{
    /// <summary>Stores new keys and values [batch, kv_head, new_pos, d_head] and returns all keys and values so far,
    /// [batch, kv_head, cached + new_pos, d_head].</summary>
    public (Tensor Keys, Tensor Values) Append(Tensor k, Tensor v)
    {
        long start = Cache.Length,
            n = k.shape[2];
        K.narrow(2, start, n).copy_(k);
        V.narrow(2, start, n).copy_(v);
        return (K.narrow(2, 0, start + n), V.narrow(2, 0, start + n));
    }
}
