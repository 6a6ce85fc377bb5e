using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing.Edge;

/// <summary>How a span's vector is made from the vectors of its words (Tenney et al. 2019).</summary>
public enum SpanPooling
{
    /// <summary>Mean of the span's word vectors.</summary>
    Mean,

    /// <summary>Element-wise maximum of the span's word vectors.</summary>
    Max,

    /// <summary>Self-attentive pooling: softmax(x·w) weights over the span's words, with a vector w learned jointly with
    /// the classifier.</summary>
    Attention,
}

/// <summary>Spans as runs of consecutive rows of a word-vector matrix: span i covers rows
/// <c>First[i] .. First[i] + Length[i] - 1</c>.</summary>
/// <param name="First">First row of each span.</param>
/// <param name="Length">Number of rows of each span (at least 1).</param>
public sealed record SpanRows(long[] First, int[] Length)
{
    /// <summary>Number of spans.</summary>
    public int Count => First.Length;

    /// <summary>The spans at the given positions.</summary>
    public SpanRows Subset(IReadOnlyList<int> index) =>
        new(index.Select(i => First[i]).ToArray(), index.Select(i => Length[i]).ToArray());

    /// <summary>Spans <paramref name="start"/> .. <paramref name="start"/> + <paramref name="count"/> - 1.</summary>
    public SpanRows Range(int start, int count) => new(First[start..(start + count)], Length[start..(start + count)]);

    /// <summary>The row of every word of every span and the span it belongs to (0-based within this set), as long tensors.</summary>
    public (Tensor Rows, Tensor Segment) Flatten() // [T], [T]
    {
        int t = Length.Sum();
        var rows = new long[t];
        var seg = new long[t];
        int k = 0;
        for (int i = 0; i < First.Length; i++)
        {
            if (Length[i] < 1)
                throw new InputException(string.Create(CultureInfo.InvariantCulture, $"span {i} is empty"));
            for (int j = 0; j < Length[i]; j++)
            {
                rows[k] = First[i] + j;
                seg[k++] = i;
            }
        }
        return (tensor(rows), tensor(seg));
    }
}

/// <summary>Pools word vectors into span vectors. Mean and max are parameter-free; attention pooling takes the learned
/// vector. All operations are differentiable where they need to be (attention), so a trainer can backpropagate.</summary>
public static class SpanPool
{
    /// <summary>Maximum gathered rows per chunk for the parameter-free poolings (bounds memory on long spans).</summary>
    public const int ChunkRows = 1 << 16;

    /// <summary>Pools every span of <paramref name="spans"/> from <paramref name="words"/> [W, d]; for
    /// <see cref="SpanPooling.Attention"/> <paramref name="attention"/> [d] is required. Returns [spans, d].</summary>
    public static Tensor Pool(Tensor words, SpanRows spans, SpanPooling pooling, Tensor? attention = null) // [n, d]
    {
        if (pooling == SpanPooling.Attention && attention is null)
            throw new InputException("attention pooling needs its attention vector");
        var parts = new List<Tensor>();
        using (var scope = NewDisposeScope())
        {
            int start = 0;
            while (start < spans.Count)
            {
                // Chunk cost = spans × longest span, which bounds both the gathered rows and max pooling's padding.
                int end = start,
                    longest = 0;
                while (
                    end < spans.Count
                    && (end == start || (long)(end - start + 1) * Math.Max(longest, spans.Length[end]) <= ChunkRows)
                )
                    longest = Math.Max(longest, spans.Length[end++]);
                var chunk = spans.Range(start, end - start);
                parts.Add(
                    pooling switch
                    {
                        SpanPooling.Mean => Mean(words, chunk),
                        SpanPooling.Max => Max(words, chunk),
                        _ => Attention(words, chunk, attention!),
                    }
                );
                start = end;
            }
            var result = parts.Count == 1 ? parts[0] : cat(parts.ToArray());
            return result.MoveToOuterDisposeScope();
        }
    }

    /// <summary>Mean of each span's rows of <paramref name="words"/> [W, d]. Returns [spans, d].</summary>
    public static Tensor Mean(Tensor words, SpanRows spans) // [n, d]
    {
        using var scope = NewDisposeScope();
        var (rows, seg) = spans.Flatten();
        var len = tensor(spans.Length.Select(l => (float)l).ToArray()).unsqueeze(1);
        var sum = zeros(spans.Count, words.shape[1], dtype: words.dtype)
            .IndexAddInPlace(0, seg, words.index_select(0, rows));
        return (sum / len).MoveToOuterDisposeScope();
    }

    /// <summary>Element-wise maximum of each span's rows of <paramref name="words"/> [W, d]. Returns [spans, d].</summary>
    public static Tensor Max(Tensor words, SpanRows spans) // [n, d]
    {
        using var scope = NewDisposeScope();
        // Pad every span to the longest one (padding repeats the span's first row, which leaves the maximum unchanged).
        int longest = spans.Length.Max();
        var index = new long[spans.Count * longest];
        for (int i = 0; i < spans.Count; i++)
        for (int j = 0; j < longest; j++)
            index[i * longest + j] = spans.First[i] + Math.Min(j, spans.Length[i] - 1);
        var gathered = words.index_select(0, tensor(index)).view(spans.Count, longest, words.shape[1]); // [n, L, d]
        return gathered.max(1).values.MoveToOuterDisposeScope();
    }

    /// <summary>Attention weight of every word of every span (in <see cref="SpanRows.Flatten"/> order): a softmax of
    /// x·<paramref name="attention"/> within each span, so each span's weights sum to 1. Returns [T].</summary>
    public static Tensor AttentionWeights(Tensor words, SpanRows spans, Tensor attention) // [T]
    {
        using var scope = NewDisposeScope();
        var (rows, seg) = spans.Flatten();
        return AttentionWeights(words.index_select(0, rows), seg, spans.Count, attention).MoveToOuterDisposeScope();
    }

    /// <summary>Self-attentive pooling of each span of <paramref name="words"/> [W, d] with the vector
    /// <paramref name="attention"/> [d]. Returns [spans, d].</summary>
    public static Tensor Attention(Tensor words, SpanRows spans, Tensor attention) // [n, d]
    {
        using var scope = NewDisposeScope();
        var (rows, seg) = spans.Flatten();
        var src = words.index_select(0, rows); // [T, d]
        var a = AttentionWeights(src, seg, spans.Count, attention); // [T]
        var pooled = zeros(spans.Count, words.shape[1], dtype: words.dtype).IndexAdd(0, seg, src * a.unsqueeze(1));
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>Softmax of <c>src·attention</c> within segments. <paramref name="src"/> [T, d], <paramref name="segment"/> [T].</summary>
    internal static Tensor AttentionWeights(Tensor src, Tensor segment, int segments, Tensor attention) // [T]
    {
        var scores = matmul(src, attention); // [T]
        // Per-span maximum (a constant per span, so the softmax is unchanged) for numerical stability.
        var flat = scores.detach().to(ScalarType.Float32).cpu().data<float>().ToArray();
        var segs = segment.cpu().data<long>().ToArray();
        var top = Enumerable.Repeat(float.NegativeInfinity, segments).ToArray();
        for (int i = 0; i < flat.Length; i++)
            top[segs[i]] = Math.Max(top[segs[i]], flat[i]);
        var max = tensor(top).to(scores.dtype);
        var e = (scores - max.index_select(0, segment)).exp();
        var denom = zeros(segments, dtype: scores.dtype).IndexAdd(0, segment, e);
        return e / denom.index_select(0, segment);
    }
}
