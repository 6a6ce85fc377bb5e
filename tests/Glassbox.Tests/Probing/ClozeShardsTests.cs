using Glassbox.Data;
using Glassbox.Probing;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Probing;

/// <summary>Cloze probing split over workers (relations sharded, Parquet parts in a shared folder, then a merge) gives
/// exactly the result of one run: vocabulary and candidate relations, paraphrased templates, any worker order.</summary>
[Collection("console")]
public sealed class ClozeShardsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-cloze-parts-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Three relations: two with the slot at the end (vocabulary mode), one mid-sentence (candidate mode).</summary>
    private static List<ClozeFact> Facts()
    {
        (string Country, string City)[] capitals = [("france", "paris"), ("italy", "rome"), ("germany", "berlin")];
        var list = new List<ClozeFact>();
        foreach (var (country, city) in capitals)
        {
            list.Add(new("P36", country, city, "the capital of [X] is [Y] ."));
            list.Add(new("P19", city, country, "[X] is in [Y] ."));
            list.Add(new("P1376", country, city, "[Y] is the capital of [X] ."));
        }
        return list;
    }

    private static ClozeOptions Options =>
        new()
        {
            Seed = 2,
            Paraphrases = new Dictionary<string, IReadOnlyList<string>>
            {
                ["P36"] = ["[X] has the capital [Y] .", "the capital of [X] was [Y] ."],
                ["P1376"] = ["[Y] was born in [X] ."],
            },
        };

    private static string Json(ClozeResult r) => ResultJson.Serialize(r);

    [Fact]
    public void Should_merge_the_parts_of_two_workers_into_exactly_the_single_run_result()
    {
        using var model = ProbingFixtures.Llama(seed: 5);
        var facts = Facts();
        var single = ClozeProber.Evaluate(model, facts, Options);
        Assert.Contains(single.Facts, f => f.Mode == ClozeMode.Candidates);
        Assert.Contains(single.Facts, f => f.Mode == ClozeMode.Vocabulary);
        Assert.Equal(2, single.Sensitivity.Count);
        string parts = Path.Combine(_dir, "parts");
        var done = new[] { 1, 0 }
            .Select(k => ClozeShards.Score(parts, model, facts, new ShardSpec(k, 2), Options))
            .ToList();
        Assert.Equal(new[] { 1, 2 }, done.Select(d => d.PartsWritten)); // 3 relations, one a shard
        Assert.Equal(9, done.Sum(d => d.FactsRanked));
        var again = ClozeShards.Score(parts, model, facts, new ShardSpec(0, 2), Options);
        Assert.Equal((0, 2), (again.PartsWritten, again.PartsFound));
        File.WriteAllText(Path.Combine(parts, ".0123.parquet.tmp"), "cut short"); // a killed worker's leftover
        var (merged, manifest) = ClozeShards.Merge(parts);
        Assert.Equal(Json(single), Json(merged));
        Assert.Equal(2, manifest.Seed);
        var e = Assert.Throws<InputException>(() =>
            ClozeShards.Score(parts, model, facts, ShardSpec.Single, Options with { Paraphrases = null })
        );
        Assert.Contains("dataSha256", e.Message, StringComparison.Ordinal); // other paraphrases
        e = Assert.Throws<InputException>(() =>
            ClozeShards.Score(Path.Combine(_dir, "p2"), model, facts, ShardSpec.Single, Options, shardRelations: 0)
        );
        Assert.StartsWith("--shard-relations", e.Message, StringComparison.Ordinal);
        File.Delete(Path.Combine(parts, "part-000001.parquet"));
        e = Assert.Throws<InputException>(() => ClozeShards.Merge(parts));
        Assert.Contains("1 of 3 parts are missing (shards 1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_run_sharded_workers_and_the_merge_from_the_cli_in_human_mode_and_json()
    {
        string tiny = TinyCliModel.Write(Path.Combine(_dir, "tiny")),
            file = Path.Combine(_dir, "facts.jsonl"),
            parts = Path.Combine(_dir, "parts");
        File.WriteAllLines(
            file,
            [
                "{\"relation\": \"r1\", \"subject\": \"lily\", \"object\": \"mom\", \"template\": \"[X] went home to her [Y] .\"}",
                "{\"relation\": \"r1\", \"subject\": \"tom\", \"object\": \"dog\", \"template\": \"[X] went home to her [Y] .\"}",
                "{\"relation\": \"r2\", \"subject\": \"ben\", \"object\": \"park\", \"template\": \"[X] went to the [Y] .\"}",
            ]
        );
        string[] Worker(string shard, params string[] more) =>
            new[]
            {
                "probe",
                "cloze",
                "-m",
                tiny,
                "--facts",
                file,
                "--threads",
                "1",
                "--parts",
                parts,
                "--shard",
                shard,
            }
                .Concat(more)
                .ToArray();
        var (code, output, error) = CliHarness.Run(Worker("0/2"));
        Assert.True(code == 0, error);
        Assert.Contains("worker 0/2", output, StringComparison.Ordinal);
        (code, output, error) = CliHarness.Run(Worker("1/2", "--json"));
        Assert.True(code == 0, error);
        Assert.Contains("\"partsWritten\": 1", output, StringComparison.Ordinal);
        (code, output, error) = CliHarness.Run("probe", "cloze-merge", "--parts", parts);
        Assert.True(code == 0, error);
        Assert.Contains("r2", output, StringComparison.Ordinal);
        (code, var merged, error) = CliHarness.Run("probe", "cloze-merge", "--parts", parts, "--json");
        Assert.True(code == 0, error);
        (code, var single, error) = CliHarness.Run(
            "probe",
            "cloze",
            "-m",
            tiny,
            "--facts",
            file,
            "--threads",
            "1",
            "--json"
        );
        Assert.True(code == 0, error);
        Assert.Equal(Result(single), Result(merged));
        foreach (
            var (args, name) in new (string[], string)[]
            {
                (new[] { "probe", "cloze", "-m", tiny, "--facts", file, "--shard", "0/2" }, "--shard"),
                (Worker("0/2", "--report", Path.Combine(_dir, "r.html")), "--report"),
                (Worker("0/2", "--shard-relations", "0"), "--shard-relations"),
                (new[] { "probe", "cloze-merge", "--parts", Path.Combine(_dir, "none") }, "--parts"),
            }
        )
        {
            (code, _, error) = CliHarness.Run(args);
            Assert.True(code == 2, FormattableString.Invariant($"{string.Join(' ', args)} -> {code}: {error}"));
            Assert.Contains(name, error, StringComparison.Ordinal);
            Assert.Single(error.Trim().Split('\n'));
        }
    }

    /// <summary>The result without the manifest (whose time and data description differ).</summary>
    private static string Result(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("result").GetRawText();
    }
}
