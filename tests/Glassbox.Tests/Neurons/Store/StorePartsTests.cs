using System.Globalization;
using System.Text.RegularExpressions;
using Glassbox.Neurons.Store;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>A harvest split over workers (Parquet parts in a shared folder, then a merge) gives exactly the store of
/// one run: workers in-process, worker processes started together, a worker killed mid-shard and rerun.</summary>
[Collection("console")]
public sealed partial class StorePartsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-store-parts-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static HarvestOptions Options =>
        new()
        {
            TopK = 3,
            ShardDocuments = 4,
            BatchSize = 2,
            Bins = 8,
            CalibrationDocuments = 5,
            Samples = 40,
            Seed = 5,
        };

    [GeneratedRegex(@"(\d+)/(\d+) parts")]
    private static partial Regex PartLine();

    [Fact]
    public void Should_merge_the_parts_of_three_workers_into_exactly_the_single_run_store()
    {
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(37, 4));
        string single = Path.Combine(_dir, "single.duckdb"),
            parts = Path.Combine(_dir, "parts"),
            merged = Path.Combine(_dir, "merged.duckdb");
        ActivationStore.Harvest(single, m, corpus, Options);
        var done = new List<HarvestSummary>();
        foreach (int k in new[] { 2, 0, 1 }) // any order
            done.Add(StoreParts.Harvest(parts, m, corpus, new ShardSpec(k, 3), Options));
        Assert.Equal(10, done.Sum(d => d.ShardsRun)); // 37 documents, 4 a shard
        Assert.Equal(new[] { 3, 4, 3 }, done.Select(d => d.ShardsRun));
        var again = StoreParts.Harvest(parts, m, corpus, new ShardSpec(1, 3), Options);
        Assert.Equal((0, 3), (again.ShardsRun, again.ShardsResumed)); // a rerun writes nothing
        string dead = Path.Combine(parts, ".shard-000003.killed.tmp"); // what a worker killed mid-part leaves
        Directory.CreateDirectory(dead);
        File.WriteAllText(Path.Combine(dead, "stats.parquet"), "cut short");
        var summary = StoreParts.Merge(parts, merged);
        Assert.Equal((10, 37L, 1), (summary.Shards, summary.Documents, summary.LeftoversRemoved));
        Assert.False(Directory.Exists(dead));
        StoreAssert.SameRows(single, merged);
        // Other settings cannot join the folder.
        var e = Assert.Throws<InputException>(() =>
            StoreParts.Harvest(parts, m, corpus, new ShardSpec(0, 3), Options with { TopK = 5 })
        );
        Assert.Contains("--parts: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("top_k", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_to_merge_missing_incomplete_or_foreign_parts_naming_each()
    {
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(20, 2));
        string parts = Path.Combine(_dir, "parts"),
            other = Path.Combine(_dir, "other"),
            store = Path.Combine(_dir, "s.duckdb");
        var e = Assert.Throws<InputException>(() => StoreParts.Merge(parts, store));
        Assert.Contains("has no base.duckdb", e.Message, StringComparison.Ordinal);
        StoreParts.Harvest(parts, m, corpus, new ShardSpec(0, 2), Options); // shards 0, 2, 4 of 5
        e = Assert.Throws<InputException>(() => StoreParts.Merge(parts, store));
        Assert.Contains("2 of 5 shards have no part yet (1, 3)", e.Message, StringComparison.Ordinal);
        StoreParts.Harvest(other, m, corpus, new ShardSpec(1, 2), Options); // another harvest (its own base)
        foreach (var s in new[] { "shard-000001", "shard-000003" })
            CopyDirectory(Path.Combine(other, s), Path.Combine(parts, s));
        File.Delete(Path.Combine(parts, "shard-000004", "excerpts.parquet"));
        e = Assert.Throws<InputException>(() => StoreParts.Merge(parts, store));
        Assert.Contains("shard-000001 belongs to another harvest", e.Message, StringComparison.Ordinal);
        Assert.Contains("shard-000003 belongs to another harvest", e.Message, StringComparison.Ordinal);
        Assert.Contains("shard-000004 lacks excerpts.parquet", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(store));
    }

    [Fact]
    public void Should_refuse_a_damaged_base_store_in_the_workers_and_the_merge()
    {
        using var m = StoreTestData.Model();
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(20, 2));
        string parts = Path.Combine(_dir, "parts"),
            basePath = Path.Combine(parts, StoreParts.BaseFile);
        StoreParts.Harvest(parts, m, corpus, new ShardSpec(0, 2), Options);
        var bytes = File.ReadAllBytes(basePath);
        bytes[^100] ^= 0xFF; // one flipped byte: DuckDB is never handed the damaged file
        File.WriteAllBytes(basePath, bytes);
        var e = Assert.Throws<InputException>(() => StoreParts.Harvest(parts, m, corpus, new ShardSpec(1, 2), Options));
        Assert.Contains("changed or damaged", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InputException>(() => StoreParts.Merge(parts, Path.Combine(_dir, "s.duckdb")));
        Assert.Contains("changed or damaged", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_give_the_single_run_store_from_worker_processes_started_together_and_a_killed_worker_rerun()
    {
        var model = StoreTestData.ModelDir(Path.Combine(_dir, "tiny"));
        var corpus = StoreTestData.Corpus(_dir, StoreTestData.Documents(1500, 9));
        string parts = Path.Combine(_dir, "parts"),
            single = Path.Combine(_dir, "single.duckdb"),
            merged = Path.Combine(_dir, "merged.duckdb");
        string[] Args(params string[] extra) =>
            new[] { "neurons", "harvest", "-m", model, "--corpus", corpus, "--shard-docs", "10", "--top-k", "3" }
                .Concat(new[] { "--threads", "1", "--json" })
                .Concat(extra)
                .ToArray();
        // Worker 2 of 3 is killed once it has written a part, with the next one under way; the other two start
        // together with it on the empty folder and race to create its base store.
        var children = new[] { 0, 1 }
            .Select(k =>
                CliProcess.Start(Args("--parts", parts, "--shard", k.ToString(CultureInfo.InvariantCulture) + "/3"))
            )
            .ToList();
        using (var victim = CliProcess.Start(Args("--parts", parts, "--shard", "2/3")))
        {
            victim.OutputDataReceived += (_, _) => { };
            victim.BeginOutputReadLine();
            string? line;
            while ((line = victim.StandardError.ReadLine()) is not null)
                if (
                    PartLine().Match(line) is { Success: true } p
                    && int.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture) >= 1
                )
                {
                    victim.Kill(entireProcessTree: true);
                    break;
                }
            victim.WaitForExit();
        }
        foreach (var c in children)
        {
            string err = c.StandardError.ReadToEnd();
            c.WaitForExit();
            Assert.True(c.ExitCode == 0, err);
            c.Dispose();
        }
        int written = Directory.GetDirectories(parts, "shard-*").Length;
        Assert.True(written < 150, "the killed worker finished before it was killed");
        var (code, output, error) = CliHarness.Run(Args("--parts", parts, "--shard", "2/3"));
        Assert.True(code == 0, error);
        Assert.Contains("\"partsFound\": ", output, StringComparison.Ordinal);
        Assert.Equal(150, Directory.GetDirectories(parts, "shard-*").Length);
        (code, output, error) = CliHarness.Run(
            new[] { "neurons", "merge", "--parts", parts, "--store", merged, "--json" }
        );
        Assert.True(code == 0, error);
        Assert.Contains("\"shards\": 150", output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(parts, ".shard-*"));
        (code, _, error) = CliHarness.Run(Args("--store", single));
        Assert.True(code == 0, error);
        StoreAssert.SameRows(single, merged);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)), overwrite: true);
    }
}
