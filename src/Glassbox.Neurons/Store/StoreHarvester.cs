using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Glassbox.Hooks;
using Glassbox.Models;
using static Glassbox.Neurons.Store.StoreSchema;

namespace Glassbox.Neurons.Store;

/// <summary>
/// Creates or resumes a store and harvests its unfinished shards. Shard s holds documents
/// [s·shardDocs, (s+1)·shardDocs) of the corpus; its rows and its <c>shards</c> row are committed in one transaction,
/// so a killed run leaves only whole shards, and the next run starts at the first shard without a <c>shards</c> row.
/// </summary>
internal static class StoreHarvester
{
    public static HarvestSummary Run(
        string path,
        HookedTransformer model,
        HarvestCorpus corpus,
        HarvestOptions options,
        Action<HarvestProgress>? progress,
        CancellationToken ct
    )
    {
        var sw = Stopwatch.StartNew();
        options.Validate();
        var plan = new HarvestPlan(model, options);
        long documents = Math.Min(corpus.Documents, options.MaxDocuments ?? long.MaxValue);
        int shards = (int)((documents + options.ShardDocuments - 1) / options.ShardDocuments);
        var manifest = Manifest(model, plan, corpus, options, documents, shards);
        if (File.Exists(path))
        {
            if (File.Exists(StoreSeal.PathOf(path)))
                StoreSeal.Verify(path, "--store"); // a finished store: never hand a damaged one to DuckDB
            CheckResume(path, manifest);
        }
        else
            Create(path, model, plan, corpus, options, manifest, documents);
        StoreSeal.Remove(path);
        var summary = Fill(path, model, corpus, options, progress, plan, documents, shards, sw, ct);
        StoreSeal.Write(path); // after the connection is closed and DuckDB has checkpointed
        return summary;
    }

    private static HarvestSummary Fill(
        string path,
        HookedTransformer model,
        HarvestCorpus corpus,
        HarvestOptions options,
        Action<HarvestProgress>? progress,
        HarvestPlan plan,
        long documents,
        int shards,
        Stopwatch sw,
        CancellationToken ct
    )
    {
        using var c = ActivationStore.Connect(path, readOnly: false);
        using (var tx = c.BeginTransaction())
        {
            foreach (var t in new[] { "stats", "histograms", "excerpts", "quantile_samples" })
                Exec(c, $"DELETE FROM {t} WHERE shard >= 0 AND shard NOT IN (SELECT shard FROM shards)"); // none, unless hand-edited
            tx.Commit();
        }
        var done = new HashSet<int>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT shard FROM shards";
            using var r = cmd.ExecuteReader();
            while (r.Read())
                done.Add(r.GetInt32(0));
        }
        var (lo, hi) = ReadBins(c, plan.Units);
        int resumed = done.Count,
            ran = 0;
        long tokensRun = 0,
            docsRun = 0;
        using var docs = corpus.Read().Take((int)Math.Min(documents, int.MaxValue)).GetEnumerator();
        for (int s = 0; s < shards; s++)
        {
            long first = (long)s * options.ShardDocuments;
            int count = (int)Math.Min(options.ShardDocuments, documents - first);
            var texts = new List<string>(count);
            for (int i = 0; i < count && docs.MoveNext(); i++)
                texts.Add(docs.Current);
            if (done.Contains(s))
                continue;
            ct.ThrowIfCancellationRequested();
            tokensRun += Shard(c, plan, options, s, first, texts, lo, hi, ct);
            docsRun += count;
            ran++;
            progress?.Invoke(new HarvestProgress(resumed + ran, shards, docsRun));
        }
        var (tokens, truncated) = Totals(c);
        return new HarvestSummary(
            path,
            model.Name,
            plan.Hooks.Select(h => h.Hook).ToList(),
            plan.Units,
            documents,
            tokens,
            shards,
            resumed,
            ran,
            tokensRun,
            truncated,
            sw.Elapsed.TotalSeconds
        );
    }

    private static long Shard(
        DuckDBConnection c,
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
        var work = ShardWork.Run(plan, options, shard, first, texts, lo, hi, ct);
        using var tx = c.BeginTransaction();
        work.WriteRows(c);
        StoreCompaction.Compact(c, options.TopK, options.Samples);
        work.WriteShardRow(c);
        tx.Commit();
        return work.Tokens;
    }

    internal static Dictionary<string, string> Manifest(
        HookedTransformer model,
        HarvestPlan plan,
        HarvestCorpus corpus,
        HarvestOptions o,
        long documents,
        int shards
    ) =>
        new(StringComparer.Ordinal)
        {
            ["schema_version"] = Text(SchemaVersion),
            ["glassbox_version"] = GlassboxRuntime.Version,
            ["model"] = model.Name,
            ["model_sha256"] = WeightsHash(model),
            ["model_source"] = model.Source?.Location ?? "",
            ["model_config"] = ConfigToJson(model.Config),
            ["hooks"] = string.Join(",", plan.Hooks.Select(h => h.Hook)),
            ["corpus_path"] = corpus.Path,
            ["corpus_sha256"] = corpus.Sha256,
            ["corpus_format"] = corpus.Format,
            ["corpus_documents"] = Text(corpus.Documents),
            ["documents"] = Text(documents),
            ["shards"] = Text(shards),
            ["top_k"] = Text(o.TopK),
            ["window_before"] = Text(o.WindowBefore),
            ["window_after"] = Text(o.WindowAfter),
            ["shard_docs"] = Text(o.ShardDocuments),
            ["bins"] = Text(o.Bins),
            ["calibration_docs"] = Text(o.CalibrationDocuments),
            ["samples"] = Text(o.Samples),
            ["seed"] = Text(o.Seed),
            ["created_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };

    internal static void CheckResume(string path, Dictionary<string, string> wanted, string argument = "--store")
    {
        using var store = ActivationStore.OpenUnsealed(path, argument);
        var have = store.Manifest;
        if (have.GetValueOrDefault("model_sha256") != wanted["model_sha256"])
            throw new InputException(
                $"{argument}: '{path}' holds activations of model {have.GetValueOrDefault("model")} (weights sha256 {Short(have.GetValueOrDefault("model_sha256"))}), not of {wanted["model"]} ({Short(wanted["model_sha256"])}); use another {argument}"
            );
        foreach (var key in ResumeKeys)
            if (have.GetValueOrDefault(key) != wanted[key])
                throw new InputException(
                    $"{argument}: '{path}' was harvested with {key} = {Short(have.GetValueOrDefault(key))}, this run has {Short(wanted[key])}; resume with the same settings or use another {argument}"
                );
    }

    private static string Short(string? s) =>
        s is null ? "(none)"
        : s.Length > 16 ? s[..12] + "…"
        : s;

    /// <summary>Builds the new store under a temporary name (schema, manifest, units, vocabulary, calibrated bins)
    /// and moves it into place, so a store file either is complete or does not exist.</summary>
    internal static void Create(
        string path,
        HookedTransformer model,
        HarvestPlan plan,
        HarvestCorpus corpus,
        HarvestOptions options,
        Dictionary<string, string> manifest,
        long documents,
        bool anotherMayCreate = false
    )
    {
        var (lo, hi) = plan.Calibrate(
            corpus.Read(),
            (int)Math.Min(options.CalibrationDocuments, documents),
            options.BatchSize
        );
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var c = ActivationStore.Connect(tmp, readOnly: false))
            {
                using var tx = c.BeginTransaction();
                Exec(c, Ddl);
                using (var a = c.CreateAppender("manifest"))
                    foreach (var (k, v) in manifest)
                        a.CreateRow().AppendValue(k).AppendValue(v).EndRow();
                using (var a = c.CreateAppender("units"))
                    for (int h = 0, id = 0; h < plan.Hooks.Count; h++)
                    for (int u = 0; u < plan.Hooks[h].Width; u++, id++)
                        a.CreateRow()
                            .AppendValue(id)
                            .AppendValue(plan.Hooks[h].Hook)
                            .AppendValue(u)
                            .AppendValue(HookName.LayerOf(plan.Hooks[h].Hook))
                            .EndRow();
                using (var a = c.CreateAppender("vocab"))
                    for (int id = 0; id < model.Config.DVocab; id++)
                        a.CreateRow().AppendValue(id).AppendValue(model.Tokenizer!.TokenToString(id)).EndRow();
                using (var a = c.CreateAppender("bins"))
                    for (int u = 0; u < lo.Length; u++)
                        a.CreateRow()
                            .AppendValue(u)
                            .AppendValue(lo[u])
                            .AppendValue(hi[u])
                            .AppendValue(options.Bins)
                            .EndRow();
                tx.Commit();
                Exec(c, "CHECKPOINT");
            }
            try
            {
                File.Move(tmp, path);
                StoreSeal.Write(path); // the parts' base is read as it is; a harvest removes the seal before it writes
            }
            catch (IOException) when (anotherMayCreate && File.Exists(path))
            {
                // Another worker created it first; the caller checks that it has this run's settings.
            }
        }
        finally
        {
            File.Delete(tmp);
            File.Delete(tmp + ".wal");
        }
    }

    internal static (double[] Lo, double[] Hi) ReadBins(DuckDBConnection c, int units)
    {
        var lo = new double[units];
        var hi = new double[units];
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT unit, lo, hi FROM bins";
        using var r = cmd.ExecuteReader();
        while (r.Read())
            (lo[r.GetInt32(0)], hi[r.GetInt32(0)]) = (r.GetDouble(1), r.GetDouble(2));
        return (lo, hi);
    }

    private static (long Tokens, long Truncated) Totals(DuckDBConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText =
            "SELECT CAST(coalesce(sum(tokens), 0) AS BIGINT), CAST(coalesce(sum(truncated), 0) AS BIGINT) FROM shards";
        using var r = cmd.ExecuteReader();
        r.Read();
        return (
            Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture),
            Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture)
        );
    }
}
