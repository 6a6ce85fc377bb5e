using Glassbox.Data;

namespace Glassbox.Tests.Data;

/// <summary>Cloze facts read from LAMA as distributed (relations.jsonl, TREx/, Google_RE/, Squad/), generated here.</summary>
public class LamaFolderTests
{
    private static string WriteLama(DataTempDir dir)
    {
        dir.Write(
            "lama/relations.jsonl",
            "{\"relation\": \"P20\", \"template\": \"[X] died in [Y] .\", \"label\": \"place of death\", \"description\": \"d\", \"type\": \"N-1\"}\n"
                + "{\"relation\": \"P27\", \"template\": \"[X] is [Y] citizen .\", \"label\": \"country of citizenship\", \"description\": \"d\", \"type\": \"N-M\"}\n"
        );
        dir.Write(
            "lama/TREx/P20.jsonl",
            "{\"uuid\": \"u1\", \"obj_uri\": \"Q796\", \"obj_label\": \"Iraq\", \"sub_uri\": \"Q1\", \"sub_label\": \"Akihiko Saito\", \"predicate_id\": \"P20\", "
                + "\"evidences\": [{\"sub_surface\": \"Akihiko Saito\", \"obj_surface\": \"Iraq\", \"masked_sentence\": \"Akihiko Saito died in [MASK].\"}]}\n"
                + "{\"uuid\": \"u2\", \"obj_uri\": \"Q90\", \"obj_label\": \"Paris\", \"sub_uri\": \"Q2\", \"sub_label\": \"Jean Dupont\", \"predicate_id\": \"P20\", \"evidences\": []}\n"
        );
        dir.Write(
            "lama/TREx/P27.jsonl",
            "{\"uuid\": \"u3\", \"obj_uri\": \"Q30\", \"obj_label\": \"France\", \"sub_uri\": \"Q3\", \"sub_label\": \"Jean Dupont\", \"predicate_id\": \"P27\", \"evidences\": []}\n"
        );
        dir.Write(
            "lama/Google_RE/place_of_death_test.jsonl",
            "{\"pred\": \"/people/deceased_person/place_of_death\", \"sub\": \"/m/1\", \"obj\": \"/m/2\", \"sub_label\": \"John Renshaw Starr\", \"obj_label\": \"Switzerland\", "
                + "\"judgments\": [], \"masked_sentences\": [\"He died in [MASK] .\"], \"uuid\": \"u4\"}\n"
        );
        dir.Write(
            "lama/Squad/test.jsonl",
            "{\"masked_sentences\": [\"The [MASK] color was used.\"], \"obj_label\": \"gold\", \"id\": \"x\", \"sub_label\": \"Squad\"}\n"
        );
        return Path.Combine(dir.Path, "lama");
    }

    [Fact]
    public void Should_read_a_lama_folder_as_distributed()
    {
        using var dir = new DataTempDir();
        var lama = WriteLama(dir);
        var src = LamaReader.ReadFacts(lama);
        Assert.Equal(
            new[]
            {
                new ClozeFact("P20", "Akihiko Saito", "Iraq", "[X] died in [Y] ."),
                new ClozeFact("P20", "Jean Dupont", "Paris", "[X] died in [Y] ."),
                new ClozeFact("P27", "Jean Dupont", "France", "[X] is [Y] citizen ."),
                new ClozeFact("place_of_death", "John Renshaw Starr", "Switzerland", "[X] died in [Y] ."),
            },
            src.Facts
        );
        Assert.Equal(Path.Combine(lama, "relations.jsonl"), src.Files[0]);
        Assert.DoesNotContain(src.Files, f => f.Contains("Squad", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_read_a_lama_facts_file_with_templates_found_above_it()
    {
        using var dir = new DataTempDir();
        var lama = WriteLama(dir);
        var src = LamaReader.ReadFacts(Path.Combine(lama, "TREx", "P27.jsonl"));
        Assert.Equal(new ClozeFact("P27", "Jean Dupont", "France", "[X] is [Y] citizen ."), Assert.Single(src.Facts));
        Assert.Equal(2, LamaReader.ReadFacts(Path.Combine(lama, "TREx")).Facts.Count(f => f.Relation == "P20"));
    }

    [Fact]
    public void Should_still_read_the_flat_relation_subject_object_template_format()
    {
        using var dir = new DataTempDir();
        var f = dir.Write(
            "facts.jsonl",
            "{\"relation\": \"capital\", \"subject\": \"France\", \"object\": \"Paris\", \"template\": \"The capital of [X] is [Y] .\"}\n"
        );
        Assert.Equal(
            new ClozeFact("capital", "France", "Paris", "The capital of [X] is [Y] ."),
            Assert.Single(LamaReader.ReadFacts(f).Facts)
        );
    }

    [Fact]
    public void Should_explain_that_a_lama_fact_without_relations_jsonl_has_no_template()
    {
        using var dir = new DataTempDir();
        var f = dir.Write(
            "a/b/c/P20.jsonl",
            "{\"obj_label\": \"Iraq\", \"sub_label\": \"Akihiko Saito\", \"predicate_id\": \"P20\"}\n"
        );
        var ex = Assert.Throws<DataFormatException>(() => LamaReader.ReadFacts(f));
        Assert.Contains("P20.jsonl:1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("relations.jsonl", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_squad_facts_that_have_no_relation_template()
    {
        using var dir = new DataTempDir();
        var lama = WriteLama(dir);
        var ex = Assert.Throws<DataFormatException>(() =>
            LamaReader.ReadFacts(Path.Combine(lama, "Squad", "test.jsonl"))
        );
        Assert.Contains("Squad", ex.Message, StringComparison.Ordinal);
    }
}
