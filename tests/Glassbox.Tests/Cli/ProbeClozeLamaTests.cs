using System.Text.Json;

namespace Glassbox.Tests.Cli;

/// <summary><c>probe cloze</c> end to end on the LAMA data in ../shared/data/lama (skipped when absent).</summary>
[Collection("console")]
public sealed class ProbeClozeLamaTests
{
    private static IEnumerable<JsonElement> Find(JsonElement e, string key)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.NameEquals(key))
                    yield return p.Value;
                foreach (var x in Find(p.Value, key))
                    yield return x;
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            foreach (var x in Find(item, key))
                yield return x;
        }
    }

    [SkippableFact]
    public void Should_report_p_at_1_with_intervals_per_relation_on_the_shipped_lama_folder()
    {
        var relations = SharedData.File("lama", "relations.jsonl");
        Skip.If(relations is null, "../shared/data/lama is absent");
        Skip.If(
            SharedData.File("stories260K", "stories260K.bin") is null,
            "../shared/data/stories260K (the model with an LM head) is absent"
        );
        var lama = Path.GetDirectoryName(relations)!;
        var (code, output, err) = CliHarness.Run(
            "probe",
            "cloze",
            "-m",
            "stories260k",
            "--lama",
            lama,
            "--limit",
            "3",
            "--json"
        );
        Assert.True(code == 0, err + output);
        using var doc = JsonDocument.Parse(output);
        var rels = Find(doc.RootElement, "relations")
            .First(r => r.ValueKind == JsonValueKind.Array)
            .EnumerateArray()
            .ToList();
        var names = rels.Select(r => r.GetProperty("relation").GetString()).ToList();
        var shipped = Directory
            .GetFiles(Path.Combine(lama, "TREx"), "*.jsonl")
            .Select(Path.GetFileNameWithoutExtension)
            .ToList();
        Assert.NotEmpty(shipped);
        foreach (var rel in shipped)
            Assert.Contains(rel, names);
        foreach (var r in rels)
        {
            Assert.Equal(3, r.GetProperty("count").GetInt32());
            var p1 = r.GetProperty("p1");
            double v = p1.GetProperty("value").GetDouble(),
                lo = p1.GetProperty("lower").GetDouble(),
                hi = p1.GetProperty("upper").GetDouble();
            Assert.InRange(v, lo, hi);
            Assert.InRange(lo, 0.0, 1.0);
            Assert.InRange(hi, 0.0, 1.0);
        }
    }

    [Fact]
    public void Should_explain_that_a_folder_without_relations_jsonl_is_not_a_lama_folder()
    {
        var dir = Directory.CreateTempSubdirectory("glassbox-lama-").FullName;
        try
        {
            var (code, output, err) = CliHarness.Run("probe", "cloze", "-m", "stories260k", "--lama", dir);
            Assert.NotEqual(0, code);
            Assert.Contains("relations.jsonl", err + output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
