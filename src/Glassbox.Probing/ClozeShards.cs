using System.Globalization;
using System.Text;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Parts;

namespace Glassbox.Probing;

/// <summary>What one worker of a sharded cloze run did.</summary>
/// <param name="Parts">The shared folder.</param>
/// <param name="Shard">This worker, K/N.</param>
/// <param name="Facts">Facts of the whole job.</param>
/// <param name="Relations">Relations of the whole job.</param>
/// <param name="Shards">Shards of the whole job.</param>
/// <param name="PartsWritten">Parts this worker wrote now.</param>
/// <param name="PartsFound">Parts of this worker that were already written (a rerun).</param>
/// <param name="FactsRanked">Facts this worker ranked now (paraphrase runs not counted).</param>
/// <param name="Seconds">Wall time.</param>
public sealed record ClozeShardSummary(
    string Parts,
    string Shard,
    int Facts,
    int Relations,
    int Shards,
    int PartsWritten,
    int PartsFound,
    int FactsRanked,
    double Seconds
);

/// <summary>
/// LAMA-scale cloze probing split over workers (issue 14, item 10; docs/scale.md): the relations (in ordinal order)
/// are cut into shards of consecutive relations, since a relation's facts are ranked together (in candidate mode its
/// gold objects are the candidates); worker K of N ranks the shards s with s mod N = K, paraphrases included, and writes
/// each as a Parquet part into a shared <see cref="PartsFolder"/>; <see cref="Merge"/> reads the parts with DuckDB and
/// summarises them as one <see cref="ClozeProber.Evaluate"/> run does.
/// </summary>
public static class ClozeShards
{
    /// <summary>Relations per shard unless given.</summary>
    public const int DefaultShardRelations = 1;

    /// <summary>Ranks this worker's shards of <paramref name="facts"/> into parts under
    /// <paramref name="partsDirectory"/>, skipping parts already written.</summary>
    /// <exception cref="InputException">Bad settings, no facts, or a folder that holds another job's parts.</exception>
    public static ClozeShardSummary Score(
        string partsDirectory,
        HookedTransformer model,
        IReadOnlyList<ClozeFact> facts,
        ShardSpec shard,
        ClozeOptions? options = null,
        int shardRelations = DefaultShardRelations,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(shard);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var o = options ?? new ClozeOptions();
        if (shardRelations < 1)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--shard-relations must be at least 1, got {shardRelations}"
                )
            );
        var selected = ClozeProber.Select(model, facts, o);
        var relations = selected.Select(f => f.Relation).Distinct().Order(StringComparer.Ordinal).ToList();
        int shards = (relations.Count + shardRelations - 1) / shardRelations;
        var folder = new PartsFolder(partsDirectory);
        folder.Claim(Manifest(model, selected, o, shardRelations, shards, relations.Count));
        var mine = Enumerable.Range(0, shards).Where(s => shard.Owns(s)).ToList();
        int found = mine.Count(folder.Has),
            written = 0,
            ranked = 0;
        foreach (int s in mine.Where(s => !folder.Has(s)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var names = relations.Skip(s * shardRelations).Take(shardRelations).ToHashSet(StringComparer.Ordinal);
            var index = Enumerable.Range(0, selected.Count).Where(i => names.Contains(selected[i].Relation)).ToList();
            var (ranks, paraphrased) = ClozeProber.RankAll(model, index.Select(i => selected[i]).ToList(), o);
            folder.Write(s, path => WritePart(path, index, ranks, paraphrased));
            written++;
            ranked += index.Count;
        }
        return new ClozeShardSummary(
            folder.Path,
            shard.ToString(),
            selected.Count,
            relations.Count,
            shards,
            written,
            found,
            ranked,
            clock.Elapsed.TotalSeconds
        );
    }

    /// <summary>Reads every part of a finished sharded run and summarises the ranks (no model is loaded).</summary>
    /// <returns>The result one <see cref="ClozeProber.Evaluate"/> run gives, and the run's manifest.</returns>
    /// <exception cref="InputException">A missing or stray part, or parts whose facts do not match the manifest.</exception>
    public static (ClozeResult Result, RunManifest Manifest) Merge(string partsDirectory)
    {
        var folder = new PartsFolder(partsDirectory, create: false);
        var m = folder.ReadManifest();
        int shards = m.Int("shards"),
            count = m.Int("facts");
        folder.RequireComplete(shards);
        var rows = folder.Query(
            "SELECT kind, fact, template_index, relation, subject, object, template, mode, rank, top FROM parts",
            r =>
                (
                    Kind: r.GetInt32(0),
                    Fact: r.GetInt32(1),
                    Template: r.GetInt32(2),
                    Rank: new ClozeFactRank(
                        r.GetString(3),
                        r.GetString(4),
                        r.GetString(5),
                        r.GetString(6),
                        (ClozeMode)r.GetInt32(7),
                        r.GetInt32(8),
                        r.GetString(9)
                    )
                )
        );
        var ranks = rows.Where(x => x.Kind == 0).OrderBy(x => x.Fact).ToList();
        if (ranks.Count != count || ranks.Select((x, i) => x.Fact != i).Any(b => b))
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--parts: the parts hold {ranks.Count} facts, not facts 0..{count - 1} once each"
                )
            );
        var paraphrased = rows.Where(x => x.Kind == 1)
            .OrderBy(x => x.Rank.Relation, StringComparer.Ordinal)
            .ThenBy(x => x.Template)
            .ThenBy(x => x.Fact)
            .Select(x => x.Rank)
            .ToList();
        var o = new ClozeOptions { Seed = m.Int("seed"), Resamples = m.Int("resamples") };
        var result = ClozeProber.Summarise(
            m.Text("model"),
            m.Int("vocabulary"),
            ranks.Select(x => x.Rank).ToList(),
            paraphrased,
            o
        );
        var manifest = ShardManifest.Run(
            m,
            "probe cloze",
            string.Create(CultureInfo.InvariantCulture, $"{count} cloze facts under {folder.Path}"),
            "batchSize",
            "resamples",
            "shardRelations"
        );
        return (result, manifest);
    }

    private static Dictionary<string, string> Manifest(
        HookedTransformer model,
        IReadOnlyList<ClozeFact> facts,
        ClozeOptions o,
        int shardRelations,
        int shards,
        int relations
    )
    {
        var text = new StringBuilder();
        foreach (var f in facts)
            text.Append(f.Relation)
                .Append('\t')
                .Append(f.Subject)
                .Append('\t')
                .Append(f.Object)
                .Append('\t')
                .Append(f.Template)
                .Append('\n');
        var paraphrases = o.Paraphrases ?? new Dictionary<string, IReadOnlyList<string>>();
        foreach (var (relation, templates) in paraphrases.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        foreach (var t in templates)
            text.Append("paraphrase\t").Append(relation).Append('\t').Append(t).Append('\n');
        return ShardManifest.Of(
            model,
            text.ToString(),
            [
                ("vocabulary", model.Config.DVocab),
                ("facts", facts.Count),
                ("relations", relations),
                ("shardRelations", shardRelations),
                ("shards", shards),
                ("seed", o.Seed),
                ("resamples", o.Resamples),
                ("batchSize", o.BatchSize),
            ],
            o.LimitPerRelation?.ToString(CultureInfo.InvariantCulture)
        );
    }

    private static void WritePart(
        string path,
        IReadOnlyList<int> index,
        IReadOnlyList<ClozeFactRank> ranks,
        IReadOnlyList<ClozeFactRank> paraphrased
    )
    {
        PartsFolder.WriteParquet(
            path,
            "kind INTEGER, fact INTEGER, template_index INTEGER, relation VARCHAR, subject VARCHAR, object VARCHAR, template VARCHAR, mode INTEGER, rank INTEGER, top VARCHAR",
            a =>
            {
                void Row(int kind, int fact, int template, ClozeFactRank r) =>
                    a.CreateRow()
                        .AppendValue(kind)
                        .AppendValue(fact)
                        .AppendValue(template)
                        .AppendValue(r.Relation)
                        .AppendValue(r.Subject)
                        .AppendValue(r.Object)
                        .AppendValue(r.Template)
                        .AppendValue((int)r.Mode)
                        .AppendValue(r.Rank)
                        .AppendValue(r.Top)
                        .EndRow();
                for (int i = 0; i < ranks.Count; i++)
                    Row(0, index[i], 0, ranks[i]);
                // Paraphrase ranks come relation by relation, template by template, facts in input order: number the
                // templates within each relation so the merge restores that order.
                string? relation = null,
                    template = null;
                int t = -1,
                    k = 0;
                foreach (var r in paraphrased)
                {
                    if (r.Relation != relation)
                        (relation, template, t, k) = (r.Relation, null, -1, 0);
                    if (r.Template != template)
                        (template, t) = (r.Template, t + 1);
                    Row(1, k++, t, r);
                }
            }
        );
    }
}
