using Glassbox.Data;

namespace Glassbox.Tests.Data;

public class MinimalPairReaderTests
{
    private const string BlimpLine =
        "{\"sentence_good\": \"Who should Derek hug after shocking Richard?\", \"sentence_bad\": \"Who should Derek hug Richard after shocking?\", \"field\": \"syntax\", \"linguistics_term\": \"island_effects\", \"UID\": \"adjunct_island\", \"pairID\": \"0\"}";

    [Fact]
    public void Should_read_blimp_file_and_directory()
    {
        using var dir = new DataTempDir();
        dir.Write("a.jsonl", BlimpLine + "\n" + BlimpLine + "\n");
        dir.Write("b.jsonl", BlimpLine.Replace("adjunct_island", "other_uid") + "\n");
        dir.Write("notes.txt", "ignored");
        var one = MinimalPairReader.ReadBlimp(Path.Combine(dir.Path, "a.jsonl"));
        Assert.Equal(2, one.Count);
        Assert.Equal(
            new MinimalPair(
                "Who should Derek hug after shocking Richard?",
                "Who should Derek hug Richard after shocking?",
                "adjunct_island",
                "island_effects"
            ),
            one[0]
        );
        var all = MinimalPairReader.ReadBlimp(dir.Path);
        Assert.Equal(3, all.Count);
        Assert.Equal("other_uid", all[2].Phenomenon);
    }

    [Fact]
    public void Should_report_malformed_json_and_missing_keys_with_line()
    {
        using var dir = new DataTempDir();
        var bad = dir.Write("bad.jsonl", BlimpLine + "\n\n{\"sentence_good\": \"x\",\n");
        var ex = Assert.Throws<DataFormatException>(() => MinimalPairReader.ReadBlimp(bad));
        Assert.Contains("bad.jsonl:3", ex.Message);
        Assert.Contains("malformed JSON", ex.Message);
        var missing = dir.Write("missing.jsonl", BlimpLine + "\n" + "{\"sentence_good\": \"a b\", \"UID\": \"u\"}\n");
        var ex2 = Assert.Throws<DataFormatException>(() => MinimalPairReader.ReadBlimp(missing));
        Assert.Contains("missing.jsonl:2", ex2.Message);
        Assert.Contains("sentence_bad", ex2.Message);
        var se = dir.Write(
            "se.jsonl",
            "{\"case\": \"simple_agrmt\", \"condition\": \"c\", \"grammatical\": \"the author laughs\"}\n"
        );
        var ex3 = Assert.Throws<DataFormatException>(() => MinimalPairReader.ReadSyntaxEval(se));
        Assert.Contains("se.jsonl:1", ex3.Message);
        Assert.Contains("ungrammatical", ex3.Message);
    }

    [Fact]
    public void Should_read_syntax_eval_pairs_and_triples()
    {
        using var dir = new DataTempDir();
        var p = dir.Write(
            "x.jsonl",
            "{\"case\": \"simple_agrmt\", \"condition\": \"sing_MS_MV\", \"grammatical\": \"the author laughs\", \"ungrammatical\": \"the author laugh\"}\n"
                + "{\"case\": \"simple_npi_anim\", \"condition\": \"past\", \"grammatical\": \"no authors have ever been popular\", \"intrusive\": \"the authors have ever been popular\", \"ungrammatical\": \"most authors have ever been popular\"}\n"
        );
        var pairs = MinimalPairReader.ReadSyntaxEval(p);
        Assert.Equal(2, pairs.Count);
        Assert.Equal(
            new MinimalPair("the author laughs", "the author laugh", "simple_agrmt", "simple_agrmt"),
            pairs[0]
        );
        Assert.Equal("most authors have ever been popular", pairs[1].Bad);
    }

    [Fact]
    public void Should_reject_empty_inputs()
    {
        using var dir = new DataTempDir();
        var empty = dir.Write("empty.jsonl", "\n");
        Assert.Contains(
            "no minimal pairs",
            Assert.Throws<DataFormatException>(() => MinimalPairReader.ReadBlimp(empty)).Message
        );
        var sub = Directory.CreateDirectory(Path.Combine(dir.Path, "none")).FullName;
        Assert.Contains(
            "no .jsonl",
            Assert.Throws<DataFormatException>(() => MinimalPairReader.ReadBlimp(sub)).Message
        );
        Assert.Throws<FileNotFoundException>(() => MinimalPairReader.ReadBlimp(Path.Combine(dir.Path, "nope.jsonl")));
    }

    [SkippableFact]
    public void Should_read_shared_blimp()
    {
        var readme = SharedData.File("blimp", "README.md");
        Skip.If(readme is null, "../shared/data absent");
        var dir = Path.GetDirectoryName(readme)!;
        int files = Directory.GetFiles(dir, "*.jsonl").Length;
        var pairs = MinimalPairReader.ReadBlimp(dir);
        Assert.True(pairs.Count > 0);
        Assert.Equal(files * 1000, pairs.Count);
        Assert.Equal(files, pairs.Select(p => p.Phenomenon).Distinct().Count());
        Assert.All(pairs, p => Assert.False(string.IsNullOrWhiteSpace(p.Good) || string.IsNullOrWhiteSpace(p.Bad)));
    }

    [SkippableFact]
    public void Should_read_shared_lm_syneval()
    {
        var one = SharedData.File("lm-syneval", "simple_agrmt.jsonl");
        Skip.If(one is null, "../shared/data absent");
        Assert.Equal(140, MinimalPairReader.ReadSyntaxEval(one!).Count);
        var all = MinimalPairReader.ReadSyntaxEval(Path.GetDirectoryName(one)!);
        Assert.True(all.Count > 140);
        Assert.Contains(all, p => p.Phenomenon == "simple_npi_anim");
        Assert.All(all, p => Assert.NotEqual(p.Good, p.Bad));
    }
}
