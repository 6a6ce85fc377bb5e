using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using static Glassbox.Neurons.Store.StoreSchema;

namespace Glassbox.Neurons.Store;

/// <summary>One store shard harvested: the forward passes over its documents summarised into its rows (statistics,
/// histograms, top excerpts, quantile sample), ready to be written into a store or into a Parquet part.</summary>
internal sealed class ShardWork
{
    private readonly ShardAccumulator[] acc;
    private readonly TokenSampler sampler;
    private readonly IReadOnlyList<string> hooks;
    private readonly Stopwatch clock;

    private ShardWork(
        int shard,
        long first,
        int docs,
        ShardAccumulator[] acc,
        TokenSampler sampler,
        IReadOnlyList<string> hooks,
        Stopwatch clock
    )
    {
        (Shard, First, Docs) = (shard, first, docs);
        (this.acc, this.sampler, this.hooks, this.clock) = (acc, sampler, hooks, clock);
    }

    /// <summary>The shard.</summary>
    public int Shard { get; }

    /// <summary>Its first document.</summary>
    public long First { get; }

    /// <summary>Its documents.</summary>
    public int Docs { get; }

    /// <summary>Its tokens (after cutting at the context).</summary>
    public long Tokens { get; private init; }

    /// <summary>Its documents cut at the context.</summary>
    public int Truncated { get; private init; }

    /// <summary>Runs shard <paramref name="shard"/>: documents [first, first + texts.Count).</summary>
    public static ShardWork Run(
        HarvestPlan plan,
        HarvestOptions options,
        int shard,
        long first,
        List<string> texts,
        double[] lo,
        double[] hi,
        CancellationToken ct
    )
    {
        var clock = Stopwatch.StartNew();
        var bases = plan.Bases();
        var acc = plan
            .Hooks.Select(
                (h, i) =>
                    new ShardAccumulator(
                        h.Hook,
                        bases[i],
                        lo[bases[i]..(bases[i] + h.Width)],
                        hi[bases[i]..(bases[i] + h.Width)],
                        options.Bins,
                        options
                    )
            )
            .ToArray();
        var sampler = new TokenSampler(options.Samples, options.Seed, plan.Hooks.Count);
        // Encode the shard, then batch documents of similar length together (less padding); every per-document
        // result is independent of the batch it ran in, up to float rounding of the forward pass.
        var encoded = texts.Select(plan.Encode).ToList();
        var order = Enumerable.Range(0, encoded.Count).OrderBy(i => encoded[i].Ids.Length).ThenBy(i => i).ToList();
        foreach (int i in order)
            for (int p = 0; p < encoded[i].Ids.Length; p++)
                sampler.Offer(first + i, p);
        foreach (var chunk in order.Chunk(options.BatchSize))
        {
            ct.ThrowIfCancellationRequested();
            var ids = chunk.Select(i => encoded[i].Ids).ToList();
            plan.Forward(ids, (h, acts, len) =>
            {
                int w = plan.Hooks[h].Width;
                for (int b = 0; b < ids.Count; b++)
                {
                    long doc = first + chunk[b];
                    long offset = (long)b * len * w;
                    acc[h].AddDocument(acts, offset, ids[b], doc);
                    for (int p = 0; p < ids[b].Length; p++)
                        if (sampler.Member(doc, p) is { } e)
                            e.Values[h] = acts[(int)(offset + (long)p * w)..(int)(offset + (long)(p + 1) * w)];
                }
            });
        }
        ct.ThrowIfCancellationRequested();
        return new ShardWork(shard, first, texts.Count, acc, sampler, plan.Hooks.Select(h => h.Hook).ToList(), clock)
        {
            Tokens = encoded.Sum(e => (long)e.Ids.Length),
            Truncated = encoded.Count(e => e.Truncated),
        };
    }

    /// <summary>Appends the shard's statistics, histogram, excerpt and sample rows (not its <c>shards</c> row) into
    /// the connection's open transaction.</summary>
    public void WriteRows(DuckDBConnection c)
    {
        using var rows = new ShardRows(c);
        foreach (var a in acc)
            a.Write(rows, Shard);
        sampler.Write(rows, Shard, hooks);
    }

    /// <summary>Inserts the shard's <c>shards</c> row, which marks it committed.</summary>
    public void WriteShardRow(DuckDBConnection c) =>
        Exec(
            c,
            "INSERT INTO shards VALUES ($1, $2, $3, $4, $5, $6, $7)",
            Shard,
            First,
            Docs,
            Tokens,
            Truncated,
            clock.Elapsed.TotalSeconds,
            DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)
        );
}
