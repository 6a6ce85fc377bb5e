using Glassbox.Data;

namespace Glassbox.Tests.Data;

public class LamaReaderTests
{
    private const string Relations =
        "{\"relation\": \"P19\", \"template\": \"[X] was born in [Y] .\", \"label\": \"place of birth\"}\n"
        + "{\"relation\": \"P20\", \"template\": \"[X] died in [Y] .\"}\n"
        + "{\"relation\": \"P20\", \"templates\": [\"[X] passed away in [Y] .\", \"[X] died in [Y] .\"]}\n";

    [Fact]
    public void Should_read_templates_with_paraphrases()
    {
        using var dir = new DataTempDir();
        var t = LamaReader.ReadTemplates(dir.Write("relations.jsonl", Relations));
        Assert.Equal(new[] { "[X] was born in [Y] ." }, t["P19"]);
        Assert.Equal(new[] { "[X] died in [Y] .", "[X] passed away in [Y] ." }, t["P20"]);
    }

    [Fact]
    public void Should_read_trex_and_google_re_facts()
    {
        using var dir = new DataTempDir();
        var rel = dir.Write("relations.jsonl", Relations);
        dir.Write(
            "TREx/P19.jsonl",
            "{\"obj_label\": \"Alexandra\", \"sub_label\": \"Allan Peiper\", \"predicate_id\": \"P19\", \"evidences\": []}\n"
        );
        dir.Write(
            "Google_RE/place_of_death_test.jsonl",
            "{\"pred\": \"/people/deceased_person/place_of_death\", \"sub_label\": \"John Renshaw Starr\", \"obj_label\": \"Switzerland\"}\n"
        );
        var trex = LamaReader.Read(rel, Path.Combine(dir.Path, "TREx"));
        Assert.Equal(new ClozeFact("P19", "Allan Peiper", "Alexandra", "[X] was born in [Y] ."), Assert.Single(trex));
        var g = LamaReader.Read(rel, Path.Combine(dir.Path, "Google_RE"));
        Assert.Equal(
            new ClozeFact("place_of_death", "John Renshaw Starr", "Switzerland", "[X] died in [Y] ."),
            Assert.Single(g)
        );
    }

    [Fact]
    public void Should_report_bad_lama_input_with_line()
    {
        using var dir = new DataTempDir();
        var badRel = dir.Write("r.jsonl", Relations + "{\"relation\": \"P1\", \"template\": \"[X] is nice .\"}\n");
        var ex = Assert.Throws<DataFormatException>(() => LamaReader.ReadTemplates(badRel));
        Assert.Contains("r.jsonl:4", ex.Message);
        var rel = dir.Write("relations.jsonl", Relations);
        var facts = dir.Write(
            "f.jsonl",
            "{\"obj_label\": \"A\", \"sub_label\": \"B\", \"predicate_id\": \"P19\"}\n{\"obj_label\": \"A\", \"predicate_id\": \"P19\"}\n"
        );
        var ex2 = Assert.Throws<DataFormatException>(() => LamaReader.Read(rel, facts));
        Assert.Contains("f.jsonl:2", ex2.Message);
        Assert.Contains("sub_label", ex2.Message);
        var unknown = dir.Write(
            "u.jsonl",
            "{\"obj_label\": \"A\", \"sub_label\": \"B\", \"predicate_id\": \"P999\"}\n"
        );
        Assert.Contains("u.jsonl:1", Assert.Throws<DataFormatException>(() => LamaReader.Read(rel, unknown)).Message);
    }

    [SkippableFact]
    public void Should_read_shared_lama()
    {
        var rel = SharedData.File("lama", "relations.jsonl");
        Skip.If(rel is null, "../shared/data absent");
        var templates = LamaReader.ReadTemplates(rel!);
        Assert.True(templates.Count >= 40);
        Assert.All(templates.Values.SelectMany(x => x), t =>
        {
            Assert.Contains("[X]", t);
            Assert.Contains("[Y]", t);
        });
        var lama = Path.GetDirectoryName(rel)!;
        var trex = LamaReader.Read(rel!, Path.Combine(lama, "TREx"));
        Assert.True(trex.Count > 0);
        Assert.Contains(trex, f => f.Relation == "P20" && f.Template == "[X] died in [Y] .");
        Assert.All(trex, f => Assert.False(string.IsNullOrEmpty(f.Subject) || string.IsNullOrEmpty(f.Object)));
        var g = LamaReader.Read(rel!, Path.Combine(lama, "Google_RE"));
        Assert.True(g.Count > 0);
        Assert.Contains(g, f => f.Subject == "John Renshaw Starr" && f.Object == "Switzerland");
    }
}
