using Glassbox.Hooks;
using Glassbox.Neurons;
using Glassbox.Neurons.Store;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>The activation store against a naive recomputation, across shard layouts, resumed runs and Parquet.</summary>
public sealed class StoreHarvestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static HarvestOptions Options(int shardDocs = 7, int batch = 1) =>
        new()
        {
            TopK = 4,
            WindowBefore = 5,
            WindowAfter = 2,
            ShardDocuments = shardDocs,
            BatchSize = batch,
            Bins = 8,
            CalibrationDocuments = 5,
            Samples = 50,
            Seed = 3,
        };

    [Fact]
    public void Should_match_a_naive_recomputation_of_stats_histograms_and_top_k()
    {
        using var m = StoreTestData.Model();
        var docs = StoreTestData.Documents(30);
        docs[3] = string.Join(' ', Enumerable.Repeat("the big red ball", 8)); // longer than the context: cut
        var corpus = StoreTestData.Corpus(_dir, docs);
        var path = Path.Combine(_dir, "s.duckdb");
        var o = Options();
        var summary = ActivationStore.Harvest(path, m, corpus, o);
        Assert.Equal(30, summary.Documents);
        Assert.Equal(5, summary.Shards);
        Assert.Equal(docs.Count(d => m.Tokenizer!.Encode(d, true).Ids.Count > 40), summary.Truncated);
        Assert.True(summary.Truncated is > 0 and < 30);
        Assert.Equal(StoreTestData.MlpHooks, summary.Hooks);
        using var store = ActivationStore.Open(path);
        foreach (var hook in StoreTestData.MlpHooks)
        {
            var acts = docs.Select(d => StoreTestData.Activations(m, d, hook)).ToList(); // [doc][pos][unit]
            Assert.Equal(summary.Tokens, acts.Sum(a => (long)a.Length));
            foreach (int u in new[] { 0, 5, 17, 63 })
            {
                var unit = new UnitRef(hook, u);
                var all = acts.SelectMany(a => a.Select(row => row[u])).ToList();
                var stats = store.Stats(unit);
                Assert.Equal(all.Count, stats.Count);
                Assert.Equal(all.Average(v => (double)v), stats.Mean, 9);
                double mean = all.Average(v => (double)v);
                Assert.Equal(Math.Sqrt(all.Average(v => (v - mean) * (v - mean))), stats.Std, 9);
                Assert.Equal(all.Max(), stats.Max);
                Assert.Equal(all.Min(), stats.Min);
                Assert.Equal(all.Count(v => v > 0) / (double)all.Count, stats.FractionPositive, 12);

                var h = store.Histogram(unit);
                Assert.Equal(8, h.Counts.Count);
                Assert.Equal(all.Count, h.Total);
                var naive = new long[10];
                foreach (var v in all)
                    naive[
                        v < h.Low ? 0
                        : v > h.High ? 9
                        : 1 + Math.Min((int)((v - h.Low) * (8 / (h.High - h.Low))), 7)
                    ]++;
                Assert.Equal(naive[1..9], h.Counts);
                Assert.Equal((naive[0], naive[9]), (h.Underflow, h.Overflow));

                // Top-k: the 4 documents with the highest maximum (ties: earlier document), window around the first max.
                var expected = acts.Select(
                        (a, d) =>
                        {
                            int arg = 0;
                            for (int p = 1; p < a.Length; p++)
                                if (a[p][u] > a[arg][u])
                                    arg = p;
                            return (Doc: d, Pos: arg, Max: a[arg][u]);
                        }
                    )
                    .OrderByDescending(x => x.Max)
                    .ThenBy(x => x.Doc)
                    .Take(4)
                    .ToList();
                var top = store.Top(unit, 10);
                Assert.Equal(expected.Select(x => (long)x.Doc), top.Select(e => e.Document));
                for (int i = 0; i < top.Count; i++)
                {
                    var (d, pos, max) = expected[i];
                    int start = Math.Max(0, pos - 5),
                        end = Math.Min(acts[d].Length, pos + 3);
                    Assert.Equal(start, top[i].Position);
                    Assert.Equal(max, top[i].Max);
                    Assert.Equal(acts[d][start..end].Select(r => r[u]), top[i].Activations);
                    var ids = m.Tokenizer!.Encode(docs[d], true).Ids.Take(40).ToList();
                    Assert.Equal(ids[start..end].Select(m.Tokenizer.TokenToString), top[i].Tokens);
                }

                var q = store.Quantiles(unit);
                Assert.Equal(50, q.Sample.Count);
                Assert.All(q.Sample, v => Assert.Contains(v, all));
                Assert.True(q.Quantile(0) >= stats.Min && q.Quantile(1) <= stats.Max);
            }
        }
    }

    [Fact]
    public void Should_give_the_same_merged_results_for_any_shard_size_and_batch()
    {
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(25, 1));
        string a = Path.Combine(_dir, "a.duckdb"),
            b = Path.Combine(_dir, "b.duckdb");
        ActivationStore.Harvest(a, m, corpus, Options(shardDocs: 25));
        ActivationStore.Harvest(b, m, corpus, Options(shardDocs: 4, batch: 3));
        using var sa = ActivationStore.Open(a);
        using var sb = ActivationStore.Open(b);
        Assert.Equal((1, 1), sa.Shards);
        Assert.Equal((7, 7), sb.Shards);
        foreach (var hook in StoreTestData.MlpHooks)
        foreach (int u in new[] { 1, 30, 60 })
        {
            var unit = new UnitRef(hook, u);
            var (x, y) = (sa.Stats(unit), sb.Stats(unit));
            Assert.Equal((x.Count, x.Min, x.Max, x.FractionPositive), (y.Count, y.Min, y.Max, y.FractionPositive));
            Assert.Equal(x.Mean, y.Mean, 5);
            Assert.Equal(x.Std, y.Std, 5);
            Assert.Equal(sa.Histogram(unit).Total, sb.Histogram(unit).Total); // bins differ by rounding: batch sizes
            Assert.Equal(sa.Top(unit, 4).Select(e => e.Document), sb.Top(unit, 4).Select(e => e.Document));
            Assert.Equal(sa.Quantiles(unit).Sample.Count, sb.Quantiles(unit).Sample.Count);
            for (int i = 0; i < 50; i++)
                Assert.Equal(sa.Quantiles(unit).Sample[i], sb.Quantiles(unit).Sample[i], 4);
        }
        // Compaction keeps the store's size constant: seven shards hold as many rows as one.
        foreach (var table in new[] { "stats", "histograms", "excerpts", "quantile_samples" })
            Assert.Equal(Count(sa, table), Count(sb, table));
        Assert.Equal(Count(sb, "units"), Count(sb, "stats"));
        // The merged views give what the API gives.
        var row = sb.Query(
                "SELECT count, mean, std FROM unit_stats JOIN units USING (unit) WHERE hook = 'blocks.1.mlp.hook_post' AND idx = 30"
            )
            .Single();
        var s = sb.Stats(new UnitRef(HookPoints.MlpPost.Name(1), 30));
        Assert.Equal(s.Count, Convert.ToInt64(row[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(s.Mean, (double)row[1]!, 9);
        Assert.Equal(s.Std, (double)row[2]!, 9);
    }

    [Fact]
    public void Should_resume_a_cancelled_harvest_and_equal_an_uninterrupted_run_row_for_row()
    {
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(40, 2));
        string full = Path.Combine(_dir, "full.duckdb"),
            part = Path.Combine(_dir, "part.duckdb");
        var o = Options(shardDocs: 5, batch: 2);
        ActivationStore.Harvest(full, m, corpus, o);
        using (var cts = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() =>
                ActivationStore.Harvest(
                    part,
                    m,
                    corpus,
                    o,
                    p =>
                    {
                        if (p.ShardsDone == 3)
                            cts.Cancel();
                    },
                    cts.Token
                )
            );
        }
        Assert.Contains(
            "no seal",
            Assert.Throws<InputException>(() => ActivationStore.Open(part)).Message,
            StringComparison.Ordinal
        );
        using (var s = ActivationStore.OpenUnsealed(part))
            Assert.Equal((3, 8), s.Shards);
        var resumed = ActivationStore.Harvest(part, m, corpus, o);
        Assert.Equal((3, 5), (resumed.ShardsResumed, resumed.ShardsRun));
        StoreAssert.SameRows(full, part);
    }

    [Fact]
    public void Should_harvest_chosen_hooks_by_glob_and_export_readable_parquet()
    {
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(12, 4));
        var path = Path.Combine(_dir, "r.duckdb");
        var summary = ActivationStore.Harvest(
            path,
            m,
            corpus,
            Options() with
            {
                Hooks = "blocks.*.hook_resid_post, blocks.0.mlp.hook_post",
            }
        );
        Assert.Equal(
            new[] { HookPoints.MlpPost.Name(0), HookPoints.ResidPost.Name(0), HookPoints.ResidPost.Name(1) },
            summary.Hooks
        );
        Assert.Equal(64 + 16 + 16, summary.Units);
        using var store = ActivationStore.Open(path);
        var unit = new UnitRef(HookPoints.ResidPost.Name(1), 15);
        var naive = StoreTestData
            .Documents(12, 4)
            .SelectMany(d => StoreTestData.Activations(m, d, unit.Hook))
            .Max(r => r[15]);
        Assert.Equal(naive, store.Stats(unit).Max);
        var files = store.ExportParquet(Path.Combine(_dir, "pq"));
        Assert.Equal(9, files.Count);
        using var db = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        db.Open();
        foreach (var f in files)
        {
            string table = Path.GetFileNameWithoutExtension(f);
            using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT count(*) FROM read_parquet('{f.Replace("'", "''", StringComparison.Ordinal)}')";
            Assert.Equal(store.Query($"SELECT count(*) FROM {table}").Single()[0], cmd.ExecuteScalar());
        }
        using var top = db.CreateCommand();
        top.CommandText =
            $"SELECT acts FROM read_parquet('{Path.Combine(_dir, "pq", "excerpts.parquet")}') e JOIN read_parquet('{Path.Combine(_dir, "pq", "units.parquet")}') u USING (unit) WHERE u.hook = '{unit.Hook}' AND u.idx = 15 ORDER BY act DESC, doc, pos LIMIT 1";
        var acts = (System.Collections.IEnumerable)top.ExecuteScalar()!;
        Assert.Equal(store.Top(unit, 1)[0].Activations, acts.Cast<float>());
    }

    [Fact]
    public void Should_answer_the_sql_queries_of_the_docs_as_the_api_does()
    {
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(20, 6));
        var path = Path.Combine(_dir, "q.duckdb");
        ActivationStore.Harvest(path, m, corpus, Options());
        using var store = ActivationStore.Open(path);
        var unit = new UnitRef(HookPoints.MlpPost.Name(1), 17);
        var selective = store.Query(
            """
            SELECT u.hook, u.idx, s.max, s.fraction_positive
            FROM unit_stats s JOIN units u USING (unit)
            WHERE u.layer = 1 ORDER BY s.max * (1 - s.fraction_positive) DESC LIMIT 10;
            """
        );
        Assert.Equal(10, selective.Count);
        var text = store.Query(
            """
            SELECT t.rank, t.act, t.doc, string_agg(v.token, '' ORDER BY i) AS text
            FROM unit_top t JOIN units u USING (unit), unnest(t.ids) WITH ORDINALITY AS w(id, i) JOIN vocab v ON v.id = w.id
            WHERE u.hook = 'blocks.1.mlp.hook_post' AND u.idx = 17 GROUP BY t.rank, t.act, t.doc ORDER BY t.rank;
            """
        );
        var top = store.Top(unit, 10);
        Assert.Equal(top.Select(e => e.Document), text.Select(r => (long)r[2]!));
        Assert.Equal(top.Select(e => string.Concat(e.Tokens)), text.Select(r => (string)r[3]!));
        var median = store.Query(
            """
            SELECT median(vals[18]) FROM (SELECT vals FROM quantile_samples
              WHERE hook = 'blocks.1.mlp.hook_post' ORDER BY key, doc, pos LIMIT 50);
            """
        );
        Assert.Equal(
            store.Quantiles(unit).Quantile(0.5),
            Convert.ToDouble(median.Single()[0], System.Globalization.CultureInfo.InvariantCulture),
            6
        );
    }

    private static long Count(ActivationStore s, string table) =>
        Convert.ToInt64(
            s.Query($"SELECT count(*) FROM {table}").Single()[0],
            System.Globalization.CultureInfo.InvariantCulture
        );
}
