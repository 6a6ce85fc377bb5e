using System.Globalization;
using System.Text;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Parts;

namespace Glassbox.Probing;

/// <summary>What one worker of a sharded minimal-pair run did.</summary>
/// <param name="Parts">The shared folder.</param>
/// <param name="Shard">This worker, K/N.</param>
/// <param name="Pairs">Pairs of the whole job.</param>
/// <param name="Shards">Shards of the whole job.</param>
/// <param name="PartsWritten">Parts this worker wrote now.</param>
/// <param name="PartsFound">Parts of this worker that were already written (a rerun).</param>
/// <param name="PairsScored">Pairs this worker scored now.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record MinimalPairShardSummary(
    string Parts,
    string Shard,
    int Pairs,
    int Shards,
    int PartsWritten,
    int PartsFound,
    int PairsScored,
    double Seconds
);

/// <summary>
/// Minimal-pair scoring split over workers (issue 14, item 10; docs/scale.md): the selected pairs are cut into shards
/// of consecutive pairs; worker K of N scores the shards s with s mod N = K and writes each as a Parquet part (pair
/// index, phenomenon, group and the four scores) into a shared <see cref="PartsFolder"/>; <see cref="Merge"/> reads
/// every part with DuckDB and summarises them exactly as one <see cref="MinimalPairScorer.Evaluate"/> run does.
/// </summary>
public static class MinimalPairShards
{
    /// <summary>Pairs per shard unless given.</summary>
    public const int DefaultShardPairs = 500;

    /// <summary>Scores this worker's shards of <paramref name="pairs"/> into parts under
    /// <paramref name="partsDirectory"/>, skipping parts already written.</summary>
    /// <exception cref="InputException">Bad settings, no pairs, or a folder that holds another job's parts.</exception>
    public static MinimalPairShardSummary Score(
        string partsDirectory,
        HookedTransformer model,
        IReadOnlyList<MinimalPair> pairs,
        ShardSpec shard,
        MinimalPairOptions? options = null,
        int shardPairs = DefaultShardPairs,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shard);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var o = options ?? new MinimalPairOptions();
        if (shardPairs < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--shard-pairs must be at least 1, got {shardPairs}")
            );
        LmBatches.RequireHead(model, "minimal pairs");
        var selected = MinimalPairScorer.Select(pairs, o);
        int shards = (selected.Count + shardPairs - 1) / shardPairs;
        var folder = new PartsFolder(partsDirectory);
        folder.Claim(Manifest(model, selected, o, shardPairs, shards));
        var mine = Enumerable.Range(0, shards).Where(s => shard.Owns(s)).ToList();
        int found = mine.Count(folder.Has),
            written = 0,
            scored = 0,
            total = mine.Where(s => !folder.Has(s)).Sum(s => Math.Min(shardPairs, selected.Count - s * shardPairs));
        foreach (int s in mine.Where(s => !folder.Has(s)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            int first = s * shardPairs,
                count = Math.Min(shardPairs, selected.Count - first);
            int before = scored;
            var scores = MinimalPairScorer.ScorePairs(
                model,
                selected.Skip(first).Take(count).ToList(),
                o with
                {
                    Progress = (done, all) =>
                        o.Progress?.Invoke((int)(before + (long)done * count / Math.Max(1, all)), total),
                }
            );
            folder.Write(s, path => WritePart(path, first, scores));
            written++;
            scored += count;
            o.Progress?.Invoke(scored, total);
        }
        return new MinimalPairShardSummary(
            folder.Path,
            shard.ToString(),
            selected.Count,
            shards,
            written,
            found,
            scored,
            clock.Elapsed.TotalSeconds
        );
    }

    /// <summary>Reads every part of a finished sharded run and summarises the pairs (no model is loaded).</summary>
    /// <returns>The result one <see cref="MinimalPairScorer.Evaluate"/> run gives, and the run's manifest.</returns>
    /// <exception cref="InputException">A missing or stray part, or parts whose pairs do not match the manifest.</exception>
    public static (MinimalPairResult Result, RunManifest Manifest) Merge(string partsDirectory)
    {
        var folder = new PartsFolder(partsDirectory, create: false);
        var m = folder.ReadManifest();
        int shards = m.Int("shards"),
            count = m.Int("pairs");
        folder.RequireComplete(shards);
        var rows = folder.Query(
            "SELECT pair, phenomenon, grp, good, bad, good_mean, bad_mean FROM parts ORDER BY pair",
            r =>
                (
                    Index: r.GetInt32(0),
                    Score: new PairScore(
                        r.GetString(1),
                        r.GetString(2),
                        r.GetDouble(3),
                        r.GetDouble(4),
                        r.GetDouble(5),
                        r.GetDouble(6)
                    )
                )
        );
        if (rows.Count != count || rows.Select((x, i) => x.Index != i).Any(b => b))
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--parts: the parts hold {rows.Count} pairs, not pairs 0..{count - 1} once each"
                )
            );
        var o = new MinimalPairOptions { Seed = m.Int("seed"), Resamples = m.Int("resamples") };
        var result = MinimalPairScorer.Summarise(
            m.Text("model"),
            m.Text("method"),
            rows.Select(x => x.Score).ToList(),
            o
        );
        var manifest = ShardManifest.Run(
            m,
            "probe minimal-pairs",
            string.Create(CultureInfo.InvariantCulture, $"{count} minimal pairs under {folder.Path}"),
            "batchSize",
            "resamples",
            "shardPairs"
        );
        return (result, manifest);
    }

    private static Dictionary<string, string> Manifest(
        HookedTransformer model,
        IReadOnlyList<MinimalPair> pairs,
        MinimalPairOptions o,
        int shardPairs,
        int shards
    )
    {
        var text = new StringBuilder();
        foreach (var p in pairs)
            text.Append(p.Phenomenon)
                .Append('\t')
                .Append(p.Group)
                .Append('\t')
                .Append(p.Good)
                .Append('\t')
                .Append(p.Bad)
                .Append('\n');
        var m = ShardManifest.Of(
            model,
            text.ToString(),
            [
                ("pairs", pairs.Count),
                ("shardPairs", shardPairs),
                ("shards", shards),
                ("seed", o.Seed),
                ("resamples", o.Resamples),
                ("batchSize", o.BatchSize ?? MinimalPairScorer.DefaultBatchSize(model)),
            ],
            o.LimitPerPhenomenon?.ToString(CultureInfo.InvariantCulture)
        );
        m["method"] = MinimalPairScorer.Method(model);
        return m;
    }

    private static void WritePart(string path, int first, IReadOnlyList<PairScore> scores) =>
        PartsFolder.WriteParquet(
            path,
            "pair INTEGER, phenomenon VARCHAR, grp VARCHAR, good DOUBLE, bad DOUBLE, good_mean DOUBLE, bad_mean DOUBLE",
            a =>
            {
                for (int i = 0; i < scores.Count; i++)
                {
                    var p = scores[i];
                    a.CreateRow()
                        .AppendValue(first + i)
                        .AppendValue(p.Phenomenon)
                        .AppendValue(p.Group)
                        .AppendValue(p.Good)
                        .AppendValue(p.Bad)
                        .AppendValue(p.GoodMean)
                        .AppendValue(p.BadMean)
                        .EndRow();
                }
            }
        );
}
