using Glassbox.Data;
using Glassbox.Probing;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Probing;

/// <summary>Minimal-pair scoring split over workers (Parquet parts in a shared folder, then a merge) gives the result of
/// one run: exactly with batches of one sentence, up to float rounding with the default batches (whose padding depends
/// on which sentences share a batch).</summary>
[Collection("console")]
public sealed class MinimalPairShardsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-pair-parts-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Pairs of several phenomena and groups, made here from the fixture's words.</summary>
    private static List<MinimalPair> Pairs()
    {
        var list = new List<MinimalPair>();
        string[] subjects = ["the girl", "the boy", "a girl", "a boy"],
            moods = ["happy", "sad"];
        foreach (var s in subjects)
        foreach (var m in moods)
        {
            list.Add(new($"{s} is {m} .", $"{s} are {m} .", "agreement", "number"));
            list.Add(new($"{s} was {m} .", $"{s} were {m} .", "agreement-past", "number"));
            list.Add(new($"{s} was born in paris .", $"{s} born was in paris .", "order", "syntax"));
        }
        return list; // 24 pairs
    }

    private static string Json(MinimalPairResult r) => ResultJson.Serialize(r);

    [Fact]
    public void Should_merge_the_parts_of_three_workers_into_exactly_the_single_run_result()
    {
        using var model = ProbingFixtures.Llama(seed: 4);
        var pairs = Pairs();
        var o = new MinimalPairOptions { BatchSize = 1, Seed = 3 };
        var single = MinimalPairScorer.Evaluate(model, pairs, o);
        string parts = Path.Combine(_dir, "parts");
        var done = new[] { 2, 0, 1 } // any order
            .Select(k => MinimalPairShards.Score(parts, model, pairs, new ShardSpec(k, 3), o, shardPairs: 5))
            .ToList();
        Assert.Equal(new[] { 1, 2, 2 }, done.Select(d => d.PartsWritten)); // 24 pairs, 5 a shard: shards 0-4
        Assert.Equal(24, done.Sum(d => d.PairsScored));
        var again = MinimalPairShards.Score(parts, model, pairs, new ShardSpec(1, 3), o, shardPairs: 5);
        Assert.Equal((0, 2), (again.PartsWritten, again.PartsFound)); // a rerun scores nothing
        // What a worker killed while writing a part leaves: a temporary file, never a part-*.parquet.
        File.WriteAllText(Path.Combine(parts, ".0123.parquet.tmp"), "cut short");
        var (merged, manifest) = MinimalPairShards.Merge(parts);
        Assert.Equal(Json(single), Json(merged));
        Assert.Equal("tiny-llama-words", manifest.Model);
        Assert.Equal(3, manifest.Seed);
        // Other settings cannot join the folder; the message names the setting.
        var e = Assert.Throws<InputException>(() =>
            MinimalPairShards.Score(parts, model, pairs, new ShardSpec(0, 3), o with { Seed = 4 }, shardPairs: 5)
        );
        Assert.Contains("seed", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InputException>(() =>
            MinimalPairShards.Score(parts, model, pairs.Skip(1).ToList(), ShardSpec.Single, o, shardPairs: 5)
        );
        Assert.Contains("dataSha256", e.Message, StringComparison.Ordinal); // other pairs
    }

    [Fact]
    public void Should_match_the_single_run_with_default_batches_up_to_float_rounding()
    {
        using var model = ProbingFixtures.Llama(seed: 5);
        var pairs = Pairs();
        var o = new MinimalPairOptions { Seed = 1 };
        var single = MinimalPairScorer.Evaluate(model, pairs, o);
        string parts = Path.Combine(_dir, "parts");
        foreach (int k in new[] { 0, 1 })
            MinimalPairShards.Score(parts, model, pairs, new ShardSpec(k, 2), o, shardPairs: 7);
        var (merged, _) = MinimalPairShards.Merge(parts);
        Assert.Equal(single.Pairs.Count, merged.Pairs.Count);
        foreach (var (a, b) in single.Pairs.Zip(merged.Pairs))
        {
            Assert.Equal((a.Phenomenon, a.Group), (b.Phenomenon, b.Group));
            Assert.Equal(a.Good, b.Good, 4);
            Assert.Equal(a.Bad, b.Bad, 4);
        }
        Assert.Equal(single.Accuracy, merged.Accuracy);
        Assert.Equal(single.Phenomena.Select(p => p.Accuracy), merged.Phenomena.Select(p => p.Accuracy));
    }

    [Fact]
    public void Should_refuse_to_merge_missing_or_stray_parts_naming_them()
    {
        using var model = ProbingFixtures.Llama(seed: 4);
        string parts = Path.Combine(_dir, "parts");
        MinimalPairShards.Score(parts, model, Pairs(), ShardSpec.Single, new MinimalPairOptions(), shardPairs: 5);
        File.Move(Path.Combine(parts, "part-000003.parquet"), Path.Combine(_dir, "kept.parquet"));
        var e = Assert.Throws<InputException>(() => MinimalPairShards.Merge(parts));
        Assert.Contains("1 of 5 parts are missing (shards 3)", e.Message, StringComparison.Ordinal);
        File.Move(Path.Combine(_dir, "kept.parquet"), Path.Combine(parts, "part-000003.parquet"));
        File.Copy(Path.Combine(parts, "part-000003.parquet"), Path.Combine(parts, "part-000009.parquet"));
        e = Assert.Throws<InputException>(() => MinimalPairShards.Merge(parts));
        Assert.Contains("part-000009.parquet is past the job's last shard (4)", e.Message, StringComparison.Ordinal);
        File.Delete(Path.Combine(parts, "part-000009.parquet"));
        File.WriteAllText(Path.Combine(parts, "part-000002.parquet"), "cut short");
        e = Assert.Throws<InputException>(() => MinimalPairShards.Merge(parts));
        Assert.StartsWith("--parts: a part in ", e.Message, StringComparison.Ordinal);
        // A manifest edited by hand: a field that is not a number is named, not a FormatException.
        string manifest = Path.Combine(parts, "manifest.json");
        string kept = File.ReadAllText(manifest);
        File.WriteAllText(manifest, kept.Replace("\"shards\":\"5\"", "\"shards\":\"five\"", StringComparison.Ordinal));
        e = Assert.Throws<InputException>(() => MinimalPairShards.Merge(parts));
        Assert.Contains("manifest field 'shards' is not a whole number", e.Message, StringComparison.Ordinal);
        File.WriteAllText(manifest, kept);
        e = Assert.Throws<InputException>(() => MinimalPairShards.Merge(Path.Combine(_dir, "none")));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_run_sharded_workers_and_the_merge_from_the_cli_in_human_mode_and_json()
    {
        string tiny = TinyCliModel.Write(Path.Combine(_dir, "tiny")),
            file = Path.Combine(_dir, "pairs.jsonl"),
            parts = Path.Combine(_dir, "parts");
        File.WriteAllLines(
            file,
            Enumerable
                .Range(0, 9)
                .Select(i =>
                    i % 3 == 0
                        ? "{\"good\": \"lily is happy.\", \"bad\": \"lily are happy.\", \"phenomenon\": \"agreement\"}"
                    : i % 3 == 1
                        ? "{\"good\": \"they were sad.\", \"bad\": \"they was sad.\", \"phenomenon\": \"agreement\"}"
                    : "{\"good\": \"tom went home.\", \"bad\": \"tom home went.\", \"phenomenon\": \"order\"}"
                )
        );
        string[] Worker(string shard, params string[] more) =>
            new[] { "probe", "minimal-pairs", "-m", tiny, "--pairs", file, "--threads", "1" }
                .Concat(new[] { "--parts", parts, "--shard", shard, "--shard-pairs", "2" })
                .Concat(more)
                .ToArray();
        var (code, output, error) = CliHarness.Run(Worker("0/2"));
        Assert.True(code == 0, error);
        Assert.Contains("worker 0/2", output, StringComparison.Ordinal);
        Assert.Contains("probe minimal-pairs-merge --parts", output, StringComparison.Ordinal);
        (code, output, error) = CliHarness.Run(Worker("1/2", "--json"));
        Assert.True(code == 0, error);
        Assert.Contains("\"partsWritten\": 2", output, StringComparison.Ordinal);
        (code, output, error) = CliHarness.Run("probe", "minimal-pairs-merge", "--parts", parts);
        Assert.True(code == 0, error);
        Assert.Contains("agreement", output, StringComparison.Ordinal);
        Assert.Contains("9 pairs", output, StringComparison.Ordinal);
        (code, var merged, error) = CliHarness.Run("probe", "minimal-pairs-merge", "--parts", parts, "--json");
        Assert.True(code == 0, error);
        (code, var single, error) = CliHarness.Run(
            "probe",
            "minimal-pairs",
            "-m",
            tiny,
            "--pairs",
            file,
            "--threads",
            "1",
            "--json"
        );
        Assert.True(code == 0, error);
        Assert.Equal(Accuracy(single), Accuracy(merged));
        // Bad input: one line, exit code 2, naming the option.
        foreach (
            var (args, name) in new (string[], string)[]
            {
                (new[] { "probe", "minimal-pairs", "-m", tiny, "--pairs", file, "--shard", "0/2" }, "--shard"),
                (Worker("0/2", "--report", Path.Combine(_dir, "r.html")), "--report"),
                (Worker("0/2").Select(a => a == "2" ? "0" : a).ToArray(), "--shard-pairs"),
                (Worker("5/2"), "--shard"),
                (new[] { "probe", "minimal-pairs-merge", "--parts", Path.Combine(_dir, "none") }, "--parts"),
                (new[] { "probe", "minimal-pairs-merge" }, "--parts"),
            }
        )
        {
            (code, _, error) = CliHarness.Run(args);
            Assert.True(code == 2, FormattableString.Invariant($"{string.Join(' ', args)} -> {code}: {error}"));
            Assert.Contains(name, error, StringComparison.Ordinal);
            Assert.Single(error.Trim().Split('\n'));
        }
    }

    private static string Accuracy(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetProperty("accuracy").GetRawText();
    }
}
