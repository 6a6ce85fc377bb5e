using System.Globalization;

namespace Glassbox.Neurons.Store;

/// <summary>One excerpt candidate: a document's maximum token for a unit and the window around it.</summary>
internal sealed record Candidate(float Act, long Doc, int Pos, int Start, int[] Ids, float[] Acts);

/// <summary>
/// What one shard contributes for the units of one hook: shifted sums (count, mean, M2 by the shifted-data method,
/// shift = the shard's first value), min, max, positive count, histogram counts over the calibrated bins, and each
/// unit's top-k documents by maximum activation (ties: the earlier document; within a document the first maximum).
/// Everything is plain arrays indexed by unit, so the inner loop over units is contiguous.
/// </summary>
internal sealed class ShardAccumulator
{
    private readonly int units,
        bins,
        k,
        before,
        after,
        unitBase;
    private readonly string hook;
    private readonly double[] lo,
        hi,
        scale,
        shift,
        s1,
        s2;
    private readonly float[] min,
        max,
        docMax;
    private readonly int[] docArg;
    private readonly long[] positive,
        hist;
    private readonly PriorityQueue<Candidate, Candidate>[] top;
    private long count;

    /// <param name="hook">Hook name (for messages).</param>
    /// <param name="unitBase">Store id of the hook's unit 0.</param>
    /// <param name="lo">Per unit: lower histogram edge.</param>
    /// <param name="hi">Per unit: upper histogram edge.</param>
    /// <param name="bins">Bins between the edges.</param>
    /// <param name="options">Harvest settings (top-k and window).</param>
    public ShardAccumulator(string hook, int unitBase, double[] lo, double[] hi, int bins, HarvestOptions options)
    {
        (this.hook, this.unitBase, this.bins) = (hook, unitBase, bins);
        units = lo.Length;
        (k, before, after) = (options.TopK, options.WindowBefore, options.WindowAfter);
        this.lo = lo;
        this.hi = hi;
        scale = new double[units];
        for (int u = 0; u < units; u++)
            scale[u] = bins / (hi[u] - lo[u]);
        shift = new double[units];
        s1 = new double[units];
        s2 = new double[units];
        min = new float[units];
        max = new float[units];
        docMax = new float[units];
        docArg = new int[units];
        positive = new long[units];
        hist = new long[units * (bins + 2)];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);
        top = new PriorityQueue<Candidate, Candidate>[units];
        for (int u = 0; u < units; u++)
            top[u] = new PriorityQueue<Candidate, Candidate>(k + 1, WorstFirst.Instance);
    }

    /// <summary>Adds one document's activations.</summary>
    /// <param name="acts">The batch's activations, [batch, pos, units] flattened row-major.</param>
    /// <param name="offset">Index in <paramref name="acts"/> of this document's first token, unit 0.</param>
    /// <param name="ids">The document's token ids (its length is the number of real positions).</param>
    /// <param name="doc">Corpus index of the document.</param>
    /// <exception cref="InputException">An activation is NaN or infinite.</exception>
    public void AddDocument(float[] acts, long offset, int[] ids, long doc)
    {
        int len = ids.Length;
        Array.Fill(docMax, float.NegativeInfinity);
        Array.Fill(docArg, -1);
        int stride = bins + 2;
        for (int p = 0; p < len; p++)
        {
            long row = offset + (long)p * units;
            if (count == 0 && p == 0)
                for (int u = 0; u < units; u++)
                    shift[u] = acts[row + u];
            for (int u = 0; u < units; u++)
            {
                float v = acts[row + u];
                if (!float.IsFinite(v))
                    throw new InputException(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{hook} unit {u} is {v} on document {doc} position {p}: the model's activations are not finite"
                        )
                    );
                double d = v - shift[u];
                s1[u] += d;
                s2[u] += d * d;
                if (v < min[u])
                    min[u] = v;
                if (v > max[u])
                    max[u] = v;
                if (v > 0)
                    positive[u]++;
                int b =
                    v < lo[u] ? 0
                    : v > hi[u] ? bins + 1
                    : 1 + Math.Min((int)((v - lo[u]) * scale[u]), bins - 1);
                hist[u * stride + b]++;
                if (v > docMax[u])
                {
                    docMax[u] = v;
                    docArg[u] = p;
                }
            }
        }
        count += len;
        for (int u = 0; u < units; u++)
            Offer(u, acts, offset, ids, doc);
    }

    private void Offer(int u, float[] acts, long offset, int[] ids, long doc)
    {
        var heap = top[u];
        float v = docMax[u];
        if (heap.Count >= k && heap.TryPeek(out var worst, out _) && !Better(v, doc, worst))
            return;
        int pos = docArg[u],
            start = Math.Max(0, pos - before),
            end = Math.Min(ids.Length, pos + after + 1);
        var window = new float[end - start];
        for (int p = start; p < end; p++)
            window[p - start] = acts[offset + (long)p * units + u];
        var c = new Candidate(v, doc, pos, start, ids[start..end], window);
        heap.Enqueue(c, c);
        if (heap.Count > k)
            heap.Dequeue();
    }

    private static bool Better(float act, long doc, Candidate than) =>
        act > than.Act || (act == than.Act && doc < than.Doc);

    /// <summary>Writes the shard's rows of this hook.</summary>
    public void Write(ShardRows rows, int shard)
    {
        int stride = bins + 2;
        for (int u = 0; u < units; u++)
        {
            int id = unitBase + u;
            double mean = s1[u] / count;
            double m2 = Math.Max(0, s2[u] - s1[u] * s1[u] / count);
            rows.Stats.CreateRow()
                .AppendValue(shard)
                .AppendValue(id)
                .AppendValue(count)
                .AppendValue(shift[u] + mean)
                .AppendValue(m2)
                .AppendValue(min[u])
                .AppendValue(max[u])
                .AppendValue(positive[u])
                .EndRow();
            for (int b = 0; b < stride; b++)
                if (hist[u * stride + b] is long n and > 0)
                    rows.Histograms.CreateRow()
                        .AppendValue(shard)
                        .AppendValue(id)
                        .AppendValue(b)
                        .AppendValue(n)
                        .EndRow();
            foreach (var (c, _) in top[u].UnorderedItems.OrderBy(x => x.Element, WorstFirst.Instance))
                rows.Excerpts.CreateRow()
                    .AppendValue(shard)
                    .AppendValue(id)
                    .AppendValue(c.Act)
                    .AppendValue(c.Doc)
                    .AppendValue(c.Pos)
                    .AppendValue(c.Start)
                    .AppendValue((IEnumerable<int>)c.Ids)
                    .AppendValue((IEnumerable<float>)c.Acts)
                    .EndRow();
        }
    }

    /// <summary>Orders candidates worst first: lower activation, then the later document.</summary>
    private sealed class WorstFirst : IComparer<Candidate>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare(Candidate? a, Candidate? b)
        {
            int c = a!.Act.CompareTo(b!.Act);
            return c != 0 ? c : b.Doc.CompareTo(a.Doc);
        }
    }
}
