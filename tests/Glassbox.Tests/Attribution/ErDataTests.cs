using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;
using Glassbox.Data;

namespace Glassbox.Tests.Attribution;

/// <summary>The pieces of ER-TEST that need no model: plausibility metrics against hand-computed values, the readers of
/// the sentiment sets on small files made here, and seeded subsets that keep pairs whole.</summary>
public sealed class ErDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-erdata-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_compute_average_precision_and_top_k_f1_as_by_hand()
    {
        // Content tokens ranked 0.9 (relevant), 0.8, 0.7 (relevant), 0.1; the last token is not content.
        double[] scores = [0.9, 0.8, 0.7, 0.1, 5.0];
        bool[] relevant = [true, false, true, false, true];
        bool[] content = [true, true, true, true, false];
        // sklearn's average_precision_score: (1/1 + 2/3) / 2.
        Assert.Equal((1.0 + 2.0 / 3) / 2, Plausibility.AveragePrecision(scores, relevant, content), 12);
        Assert.Equal(0.5, Plausibility.TopKF1(scores, relevant, content), 12); // top 2: one of two relevant
        Assert.True(double.IsNaN(Plausibility.AveragePrecision(scores, new bool[5], content)));
        Assert.Throws<InputException>(() => Plausibility.TopKF1(scores, [true], content));
    }

    [Fact]
    public void Should_read_zaidan_rationales_and_refuse_nested_tags()
    {
        var ok = Path.Combine(_dir, "posR_001.txt");
        File.WriteAllText(ok, "a fine film . <POS> truly great </POS> acting !\n");
        var r = SentimentSets.ReadZaidanReview(ok);
        Assert.Equal("positive", r.Label);
        Assert.Equal("a fine film . truly great acting !", r.Text);
        Assert.Equal([false, false, false, false, true, true, false, false], r.Mask);
        var sentences = SentimentSets.Sentences(r).ToList();
        Assert.Equal(2, sentences.Count);
        Assert.Equal([true, true, false, false], sentences[1].Mask);
        var bad = Path.Combine(_dir, "negR_002.txt");
        File.WriteAllText(bad, "<NEG> bad <NEG> worse </NEG> </NEG>\n");
        var e = Assert.Throws<DataFormatException>(() => SentimentSets.ReadZaidanReview(bad));
        Assert.Contains("opened inside", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_unquote_imdb_rows_and_refuse_a_bad_kotzias_label()
    {
        var imdb = Path.Combine(_dir, "pairs.tsv");
        File.WriteAllText(
            imdb,
            "Sentiment\tText\tbatch_id\nPositive\t\"He said \"\"wow\"\".<br /><br />Great.\"\t7\nNegative\tDull.\t7\n"
        );
        var rows = SentimentSets.ReadImdbTsv(imdb);
        Assert.Equal("He said \"wow\". Great.", rows[0].Row.Text);
        Assert.Equal("negative", rows[1].Row.Label);
        Assert.Equal("7", rows[1].Pair);
        var kotzias = Path.Combine(_dir, "k.txt");
        File.WriteAllText(kotzias, "Good.\t1\nBad.\t2\n");
        var e = Assert.Throws<DataFormatException>(() => SentimentSets.ReadKotzias(kotzias));
        Assert.Equal(2, e.LineNumber);
    }

    [Fact]
    public void Should_keep_groups_whole_in_a_seeded_subset()
    {
        var rows = Enumerable
            .Range(0, 20)
            .Select(i => new LabeledText(FormattableString.Invariant($"t{i}"), i % 2))
            .ToList();
        var set = new ErTestSet("pairs", "contrast", "d", rows, Enumerable.Range(0, 20).Select(i => i / 2).ToList());
        var sub = ErTestSets.Subset(set, 7, seed: 3);
        Assert.Equal(6, sub.Rows.Count); // three whole pairs fit in 7
        Assert.All(sub.Groups!.GroupBy(g => g), g => Assert.Equal(2, g.Count()));
        Assert.Equal(sub.Rows.Select(r => r.Text), ErTestSets.Subset(set, 7, seed: 3).Rows.Select(r => r.Text));
        var big = ErTestSets.Subset(set with { Groups = Enumerable.Repeat(0, 20).ToList() }, 4, seed: 3);
        Assert.Equal(20, big.Rows.Count); // a group larger than the limit is still kept whole rather than dropped
    }
}
