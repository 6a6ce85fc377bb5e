namespace Glassbox.Neurons.Store;

/// <summary>
/// The quantile sample of one shard: the <c>n</c> tokens with the smallest keys, where a token's key is a seeded
/// SplitMix64 hash of (document, position). Keys depend on neither shards nor batches, so the bottom-n of the union of
/// every shard's bottom-n is the bottom-n of the whole corpus: a uniform sample without replacement that merges
/// exactly across shards and resumes (a bottom-k sketch; our own code because it is a dozen lines).
/// </summary>
internal sealed class TokenSampler
{
    private readonly int n;
    private readonly long seed;
    private readonly PriorityQueue<Entry, Entry> heap;
    private readonly Dictionary<(long Doc, int Pos), Entry> members = new();

    /// <summary>A sampled token and its activations per hook.</summary>
    public sealed class Entry(long key, long doc, int pos, int hooks)
    {
        public long Key { get; } = key;
        public long Doc { get; } = doc;
        public int Pos { get; } = pos;
        public float[]?[] Values { get; } = new float[]?[hooks];
    }

    public TokenSampler(int n, long seed, int hooks)
    {
        (this.n, this.seed, Hooks) = (n, seed, hooks);
        heap = new PriorityQueue<Entry, Entry>(n + 1, LargestFirst.Instance);
    }

    /// <summary>Hooks per entry.</summary>
    public int Hooks { get; }

    /// <summary>The key of a token.</summary>
    public static long Key(long seed, long doc, int pos)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * ((ulong)doc + 1) + 0xBF58476D1CE4E5B9UL * (ulong)pos);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((long)(z ^ (z >> 31)));
    }

    /// <summary>Offers a token; it joins the sample when its key is among the smallest n seen in this shard.</summary>
    public void Offer(long doc, int pos)
    {
        var e = new Entry(Key(seed, doc, pos), doc, pos, Hooks);
        if (heap.Count >= n)
        {
            var worst = heap.Peek();
            if (LargestFirst.Instance.Compare(e, worst) <= 0)
                return;
            members.Remove((worst.Doc, worst.Pos));
            heap.Dequeue();
        }
        heap.Enqueue(e, e);
        members[(doc, pos)] = e;
    }

    /// <summary>The entry of a token when it is in the sample now.</summary>
    public Entry? Member(long doc, int pos) => members.GetValueOrDefault((doc, pos));

    /// <summary>Writes the sample's rows.</summary>
    public void Write(ShardRows rows, int shard, IReadOnlyList<string> hookNames)
    {
        foreach (var e in members.Values.OrderBy(x => x.Key).ThenBy(x => x.Doc).ThenBy(x => x.Pos))
            for (int h = 0; h < Hooks; h++)
                rows.Samples.CreateRow()
                    .AppendValue(shard)
                    .AppendValue(e.Key)
                    .AppendValue(e.Doc)
                    .AppendValue(e.Pos)
                    .AppendValue(hookNames[h])
                    .AppendValue((IEnumerable<float>)e.Values[h]!)
                    .EndRow();
    }

    /// <summary>Orders entries largest key first (then the later token), so the heap's top is the one to drop.</summary>
    private sealed class LargestFirst : IComparer<Entry>
    {
        public static readonly LargestFirst Instance = new();

        public int Compare(Entry? a, Entry? b)
        {
            int c = b!.Key.CompareTo(a!.Key);
            if (c != 0)
                return c;
            c = b.Doc.CompareTo(a.Doc);
            return c != 0 ? c : b.Pos.CompareTo(a.Pos);
        }
    }
}
