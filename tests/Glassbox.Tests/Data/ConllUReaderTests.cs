using Glassbox.Data;

namespace Glassbox.Tests.Data;

public class ConllUReaderTests
{
    private static string Row(params string[] cols) => string.Join("\t", cols);

    // "I don't know ." with the MWT "don't" = do + n't, and an empty node 4.1.
    private static readonly string Sample = string.Join(
        "\n",
        "# newdoc id = d1",
        "# sent_id = s1",
        "# text = I don't know.",
        Row("1", "I", "I", "PRON", "PRP", "Case=Nom|Number=Sing|Person=1|PronType=Prs", "4", "nsubj", "_", "_"),
        Row("2-3", "don't", "_", "_", "_", "_", "_", "_", "_", "_"),
        Row("2", "do", "do", "AUX", "VBP", "Mood=Ind|Tense=Pres|VerbForm=Fin", "4", "aux", "_", "_"),
        Row("3", "n't", "not", "PART", "RB", "_", "4", "advmod", "_", "_"),
        Row("4", "know", "know", "VERB", "VB", "VerbForm=Inf", "0", "root", "_", "SpaceAfter=No"),
        Row("4.1", "knew", "know", "VERB", "VBD", "_", "_", "_", "4:conj", "_"),
        Row("5", ".", ".", "PUNCT", ".", "_", "4", "punct", "_", "_"),
        "",
        "# sent_id = s2",
        Row("1", "Hello", "hello", "INTJ", "UH", "_", "0", "root", "_", "_"),
        "",
        ""
    );

    private static DataFormatException Bad(string name, string content)
    {
        using var dir = new DataTempDir();
        var path = dir.Write(name, content);
        return Assert.Throws<DataFormatException>(() => ConllUReader.Read(path));
    }

    [Fact]
    public void Should_skip_multiword_tokens_and_empty_nodes()
    {
        var s = ConllUReader.Parse(new StringReader(Sample), "sample.conllu");
        Assert.Equal(2, s.Count);
        Assert.Equal("s1", s[0].SentId);
        Assert.Equal("I don't know.", s[0].Text);
        Assert.Equal(new[] { "I", "do", "n't", "know", "." }, s[0].Words.Select(w => w.Form));
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, s[0].Words.Select(w => w.Id));
        Assert.DoesNotContain(s[0].Words, w => w.Form is "don't" or "knew");
        Assert.Equal(4, s[0].Line);
        Assert.Equal("Hello", s[1].Text); // no # text: forms joined
        Assert.Equal(0, s[1].Words[0].Head);
    }

    [Fact]
    public void Should_parse_feats_into_dictionary()
    {
        var s = ConllUReader.Parse(new StringReader(Sample), "sample.conllu");
        var i = s[0].Words[0];
        Assert.Equal(4, i.Feats.Count);
        Assert.Equal("Nom", i.Feats["Case"]);
        Assert.Equal("Sing", i.Feats["Number"]);
        Assert.Empty(s[0].Words[2].Feats); // "_"
        Assert.Equal("nsubj", i.Deprel);
        Assert.Equal("PRP", i.Xpos);
    }

    [Fact]
    public void Should_report_wrong_column_count_with_file_and_line()
    {
        var ex = Bad(
            "cols.conllu",
            Row("1", "a", "a", "DET", "DT", "_", "0", "root", "_", "_") + "\n" + "2\tb\tb\tNOUN\n\n"
        );
        Assert.Contains("cols.conllu:2", ex.Message);
        Assert.Contains("10", ex.Message);
        Assert.Equal(2, ex.LineNumber);
    }

    [Fact]
    public void Should_report_head_out_of_range()
    {
        var ex = Bad(
            "head.conllu",
            "# sent_id = x\n"
                + Row("1", "a", "a", "DET", "DT", "_", "2", "det", "_", "_")
                + "\n"
                + Row("2", "b", "b", "NOUN", "NN", "_", "7", "root", "_", "_")
                + "\n\n"
        );
        Assert.Contains("head.conllu:3", ex.Message);
        Assert.Contains("out of range", ex.Message);
    }

    [Fact]
    public void Should_report_cycle()
    {
        var ex = Bad(
            "cycle.conllu",
            Row("1", "a", "a", "X", "X", "_", "0", "root", "_", "_")
                + "\n"
                + Row("2", "b", "b", "X", "X", "_", "3", "dep", "_", "_")
                + "\n"
                + Row("3", "c", "c", "X", "X", "_", "2", "dep", "_", "_")
                + "\n\n"
        );
        Assert.Contains("cycle.conllu:", ex.Message);
        Assert.Contains("cycle", ex.Message);
        Assert.True(ex.LineNumber is 2 or 3, ex.Message);
    }

    [Fact]
    public void Should_report_missing_root()
    {
        var ex = Bad("noroot.conllu", Row("1", "a", "a", "X", "X", "_", "1", "dep", "_", "_") + "\n\n");
        Assert.Contains("noroot.conllu:1", ex.Message);
    }

    [Fact]
    public void Should_report_non_integer_id()
    {
        var ex = Bad(
            "id.conllu",
            Row("1", "a", "a", "X", "X", "_", "0", "root", "_", "_")
                + "\n"
                + Row("two", "b", "b", "X", "X", "_", "1", "dep", "_", "_")
                + "\n"
        );
        Assert.Contains("id.conllu:2", ex.Message);
        Assert.Contains("non-integer word id", ex.Message);
    }

    [Fact]
    public void Should_report_ids_out_of_order()
    {
        var ex = Bad(
            "order.conllu",
            Row("1", "a", "a", "X", "X", "_", "0", "root", "_", "_")
                + "\n"
                + Row("3", "b", "b", "X", "X", "_", "1", "dep", "_", "_")
                + "\n"
        );
        Assert.Contains("order.conllu:2", ex.Message);
    }

    [Fact]
    public void Should_report_non_integer_head_and_bad_feats()
    {
        var ex = Bad("h.conllu", Row("1", "a", "a", "X", "X", "_", "x", "root", "_", "_") + "\n");
        Assert.Contains("h.conllu:1", ex.Message);
        var ex2 = Bad("f.conllu", "\n" + Row("1", "a", "a", "X", "X", "Number", "0", "root", "_", "_") + "\n");
        Assert.Contains("f.conllu:2", ex2.Message);
    }

    [Fact]
    public void Should_reject_empty_file()
    {
        var ex = Bad("empty.conllu", "");
        Assert.Contains("empty.conllu:1", ex.Message);
        Assert.Contains("no sentences", ex.Message);
        var ex2 = Bad("comments.conllu", "# only a comment\n\n");
        Assert.Contains("comments.conllu:2: no sentences", ex2.Message);
    }

    [Fact]
    public void Should_accept_crlf_and_trailing_comment_blocks()
    {
        using var dir = new DataTempDir();
        var path = Path.Combine(dir.Path, "crlf.conllu");
        File.WriteAllText(
            path,
            "# text = Hi\r\n"
                + Row("1", "Hi", "hi", "INTJ", "UH", "_", "0", "root", "_", "_")
                + "\r\n\r\n# newdoc id = x\r\n"
        );
        var s = Assert.Single(ConllUReader.Read(path));
        Assert.Equal("Hi", s.Text);
        Assert.Equal("root", s.Words[0].Deprel);
    }

    [SkippableFact]
    public void Should_read_ewt_dev()
    {
        var path = SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu");
        Skip.If(path is null, "../shared/data absent");
        var s = ConllUReader.Read(path!);
        Assert.Equal(2001, s.Count);
        Assert.Equal(25147, s.Sum(x => x.Words.Count));
        Assert.Equal("From the AP comes this story :", s[0].Text);
        Assert.All(s, x => Assert.NotNull(x.SentId));
    }
}
