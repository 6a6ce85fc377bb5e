using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DuckDB.NET.Data;
using Glassbox.Models;
using static Glassbox.Neurons.Store.StoreSchema;

namespace Glassbox.Neurons.Store;

/// <summary>
/// A harvest split over workers (docs/scale.md). The workers share one folder: the first to start writes
/// <c>base.duckdb</c> (manifest, units, vocabulary, calibrated histogram bins; the others use it), then worker K of N
/// harvests the store shards s with s mod N = K, each into a part folder <c>shard-000s/</c> of Parquet files (the
/// shard's rows of every table) moved into place whole, so a part is complete or absent. A rerun skips the parts that
/// exist: a killed worker rerun loses and duplicates nothing. <see cref="Merge"/> then folds the parts, in shard
/// order, into the same store that one <see cref="ActivationStore.Harvest"/> run writes.
/// </summary>
public static partial class StoreParts
{
    /// <summary>The shared base store in the parts folder.</summary>
    public const string BaseFile = "base.duckdb";

    /// <summary>The per-shard tables a part holds, one Parquet file each.</summary>
    internal static readonly string[] PartTables = { "stats", "histograms", "excerpts", "quantile_samples", "shards" };

    /// <summary>A part's folder name.</summary>
    internal static string PartName(int shard) => "shard-" + shard.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>Harvests this worker's share of <paramref name="corpusPath"/> into Parquet parts under
    /// <paramref name="partsDirectory"/> (created if missing), skipping parts that already exist.</summary>
    /// <param name="partsDirectory">The folder every worker of this harvest shares.</param>
    /// <param name="model">The model.</param>
    /// <param name="corpusPath">The corpus (same file for every worker).</param>
    /// <param name="shard">This worker: store shard s is its when s mod N = K.</param>
    /// <param name="options">Harvest settings (same for every worker; the base store's manifest is checked).</param>
    /// <param name="progress">Called after each part.</param>
    /// <param name="cancellationToken">Stops between batches; written parts stay.</param>
    /// <returns>What this worker did: <see cref="HarvestSummary.ShardsRun"/> parts written now,
    /// <see cref="HarvestSummary.ShardsResumed"/> of its parts found already written.</returns>
    /// <exception cref="InputException">Bad corpus, hooks or settings; a base store of another model or
    /// settings.</exception>
    public static HarvestSummary Harvest(
        string partsDirectory,
        HookedTransformer model,
        string corpusPath,
        ShardSpec shard,
        HarvestOptions? options = null,
        Action<HarvestProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(partsDirectory);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shard);
        var sw = Stopwatch.StartNew();
        options = (options ?? new HarvestOptions()).Validate();
        var corpus = HarvestCorpus.Open(corpusPath);
        var plan = new HarvestPlan(model, options);
        long documents = Math.Min(corpus.Documents, options.MaxDocuments ?? long.MaxValue);
        int shards = (int)((documents + options.ShardDocuments - 1) / options.ShardDocuments);
        var manifest = StoreHarvester.Manifest(model, plan, corpus, options, documents, shards);
        if (File.Exists(partsDirectory))
            throw new InputException($"--parts: '{partsDirectory}' is a file; give a folder the workers share");
        Directory.CreateDirectory(partsDirectory);
        string basePath = Path.Combine(partsDirectory, BaseFile);
        if (!File.Exists(basePath))
            StoreHarvester.Create(basePath, model, plan, corpus, options, manifest, documents, anotherMayCreate: true);
        if (File.Exists(StoreSeal.PathOf(basePath))) // absent only in the moment after another worker created it
            StoreSeal.Verify(basePath, "--parts");
        StoreHarvester.CheckResume(basePath, manifest, "--parts");
        double[] lo,
            hi;
        string baseId;
        using (var c = ActivationStore.Connect(basePath, readOnly: true))
        {
            (lo, hi) = StoreHarvester.ReadBins(c, plan.Units);
            baseId = BaseId(ReadManifest(c));
        }
        var mine = Enumerable.Range(0, shards).Where(s => shard.Owns(s)).ToList();
        int resumed = mine.Count(s => Directory.Exists(Path.Combine(partsDirectory, PartName(s)))),
            ran = 0;
        long tokensRun = 0,
            docsRun = 0,
            truncated = 0;
        using var docs = corpus.Read().Take((int)Math.Min(documents, int.MaxValue)).GetEnumerator();
        for (int s = 0; s < shards; s++)
        {
            long first = (long)s * options.ShardDocuments;
            int count = (int)Math.Min(options.ShardDocuments, documents - first);
            bool todo = shard.Owns(s) && !Directory.Exists(Path.Combine(partsDirectory, PartName(s)));
            var texts = new List<string>(todo ? count : 0);
            for (int i = 0; i < count && docs.MoveNext(); i++)
                if (todo)
                    texts.Add(docs.Current);
            if (!todo)
                continue;
            cancellationToken.ThrowIfCancellationRequested();
            var work = ShardWork.Run(plan, options, s, first, texts, lo, hi, cancellationToken);
            WritePart(partsDirectory, baseId, work);
            (tokensRun, docsRun, truncated, ran) = (
                tokensRun + work.Tokens,
                docsRun + count,
                truncated + work.Truncated,
                ran + 1
            );
            progress?.Invoke(new HarvestProgress(resumed + ran, mine.Count, docsRun));
        }
        return new HarvestSummary(
            Path.GetFullPath(partsDirectory),
            model.Name,
            plan.Hooks.Select(h => h.Hook).ToList(),
            plan.Units,
            documents,
            tokensRun,
            shards,
            resumed,
            ran,
            tokensRun,
            truncated,
            sw.Elapsed.TotalSeconds
        );
    }

    /// <summary>Writes one part: the shard's rows into an in-memory database, every table to Parquet in a temporary
    /// folder, then the folder moved into place (a part another worker wrote meanwhile is kept).</summary>
    private static void WritePart(string partsDirectory, string baseId, ShardWork work)
    {
        string final = Path.Combine(partsDirectory, PartName(work.Shard));
        string tmp = Path.Combine(
            partsDirectory,
            "." + PartName(work.Shard) + "." + Guid.NewGuid().ToString("N") + ".tmp"
        );
        Directory.CreateDirectory(tmp);
        try
        {
            using (var c = new DuckDBConnection("Data Source=:memory:"))
            {
                c.Open();
                Exec(c, Ddl);
                using (var tx = c.BeginTransaction())
                {
                    work.WriteRows(c);
                    work.WriteShardRow(c);
                    tx.Commit();
                }
                foreach (var t in PartTables)
                    Exec(
                        c,
                        $"COPY (SELECT * FROM {t}) TO {Literal(Path.Combine(tmp, t + ".parquet"))} (FORMAT PARQUET)"
                    );
            }
            File.WriteAllText(
                Path.Combine(tmp, PartFile),
                string.Create(CultureInfo.InvariantCulture, $"base {baseId}\nshard {work.Shard}\n")
            );
            try
            {
                Directory.Move(tmp, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another worker wrote this part first (the same rows): keep it.
            }
        }
        finally
        {
            if (Directory.Exists(tmp))
                Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>The file in each part naming its base store and shard.</summary>
    internal const string PartFile = "part.txt";

    /// <summary>Identity of a base store: SHA-256 of its manifest (which holds its creation time), so parts of another
    /// harvest that happen to share the folder are refused.</summary>
    internal static string BaseId(IReadOnlyDictionary<string, string> manifest)
    {
        var text = string.Join(
            "\n",
            manifest.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)
        );
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
