using Glassbox.Data;

namespace Glassbox.Tests.Data;

public class LabeledSentenceReaderTests
{
    [Fact]
    public void Should_round_trip_tsv()
    {
        using var dir = new DataTempDir();
        var rows = new[]
        {
            new LabeledSentence("it 's a charming journey .", "1"),
            new LabeledSentence("unflinchingly bleak", "0"),
        };
        var p = Path.Combine(dir.Path, "out.tsv");
        LabeledSentenceReader.WriteTsv(p, rows);
        Assert.Equal(rows, LabeledSentenceReader.Read(p));
    }

    [Fact]
    public void Should_read_sst2_style_tsv_and_jsonl()
    {
        using var dir = new DataTempDir();
        var tsv = dir.Write(
            "dev.tsv",
            "sentence\tlabel\nit 's a charming and often affecting journey . \t1\nunflinchingly bleak and desperate \t0\n"
        );
        var t = LabeledSentenceReader.Read(tsv);
        Assert.Equal(new LabeledSentence("it 's a charming and often affecting journey .", "1"), t[0]);
        var swapped = dir.Write("swapped.tsv", "label\ttext\npos\tgood film\n");
        Assert.Equal(new LabeledSentence("good film", "pos"), Assert.Single(LabeledSentenceReader.Read(swapped)));
        var jsonl = dir.Write(
            "d.jsonl",
            "{\"text\": \"good film\", \"label\": 1}\n{\"sentence\": \"bad film\", \"label\": \"neg\"}\n"
        );
        var j = LabeledSentenceReader.Read(jsonl);
        Assert.Equal(new[] { new LabeledSentence("good film", "1"), new LabeledSentence("bad film", "neg") }, j);
    }

    [Fact]
    public void Should_report_labeled_errors_with_line()
    {
        using var dir = new DataTempDir();
        var noHeader = dir.Write("h.tsv", "foo\tbar\nx\t1\n");
        Assert.Contains(
            "h.tsv:1",
            Assert.Throws<DataFormatException>(() => LabeledSentenceReader.Read(noHeader)).Message
        );
        var cols = dir.Write("c.tsv", "sentence\tlabel\na\t1\nb\t0\textra\n");
        var ex = Assert.Throws<DataFormatException>(() => LabeledSentenceReader.Read(cols));
        Assert.Contains("c.tsv:3", ex.Message);
        var noLabel = dir.Write("l.jsonl", "{\"text\": \"a\", \"label\": 0}\n{\"text\": \"b\"}\n");
        Assert.Contains(
            "l.jsonl:2",
            Assert.Throws<DataFormatException>(() => LabeledSentenceReader.Read(noLabel)).Message
        );
        var badJson = dir.Write("j.jsonl", "{\"text\": \"a\", \"label\": 0}\n[1,2]\n");
        Assert.Contains(
            "j.jsonl:2",
            Assert.Throws<DataFormatException>(() => LabeledSentenceReader.Read(badJson)).Message
        );
        var empty = dir.Write("e.tsv", "sentence\tlabel\n");
        Assert.Contains(
            "no sentences",
            Assert.Throws<DataFormatException>(() => LabeledSentenceReader.Read(empty)).Message
        );
        Assert.Throws<ArgumentException>(() =>
            LabeledSentenceReader.WriteTsv(Path.Combine(dir.Path, "w.tsv"), new[] { new LabeledSentence("a\tb", "1") })
        );
    }

    [SkippableFact]
    public void Should_read_shared_sst2_dev()
    {
        var p = SharedData.File("sst2", "dev.tsv");
        Skip.If(p is null, "../shared/data absent");
        var rows = LabeledSentenceReader.Read(p!);
        Assert.Equal(872, rows.Count);
        Assert.Equal(444, rows.Count(r => r.Label == "1"));
    }
}
