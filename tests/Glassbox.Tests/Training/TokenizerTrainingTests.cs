using Glassbox.Tests.Loading;
using Glassbox.Tokenization;
using Glassbox.Training;

namespace Glassbox.Tests.Training;

public sealed class TokenizerTrainingTests
{
    private const string Corpus =
        "the cat sat on the mat. the cat ate the rat.\n<|endoftext|>\nthe dog sat on the log. the dog is the best.\n<|endoftext|>\n";

    [Fact]
    public void Should_save_a_byte_tokenizer_that_loads_back()
    {
        using var dir = new TempDir();
        var tok = ByteTokenizer.Create();
        Assert.Equal(257, tok.VocabSize);
        Assert.Equal(256, tok.BosId);
        tok.Save(dir.Path);
        var back = TokenizerFactory.FromDirectory(dir.Path)!;
        const string text = "Héllo, wörld! 12";
        var ids = tok.Encode(text, false).Ids;
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text).Select(b => (int)b), ids);
        Assert.Equal(ids, back.Encode(text, false).Ids);
        Assert.Equal(text, back.Decode(ids));
    }

    [Fact]
    public void Should_learn_frequent_merges_that_round_trip_through_files()
    {
        using var dir = new TempDir();
        var tok = BpeTrainer.Train(Corpus, 20);
        Assert.True(tok.VocabSize > 257);
        var ids = tok.Encode("the cat sat", false).Ids;
        Assert.True(ids.Count < "the cat sat".Length, "no merge was applied");
        Assert.Contains(" the", Enumerable.Range(0, tok.VocabSize).Select(tok.TokenToString));
        tok.Save(dir.Path);
        var back = TokenizerFactory.FromDirectory(dir.Path)!;
        Assert.Equal(ids, back.Encode("the cat sat", false).Ids);
        Assert.Equal("the cat sat", back.Decode(ids));
    }

    [Fact]
    public void Should_tokenise_a_corpus_with_end_of_text_between_documents()
    {
        using var dir = new TempDir();
        var file = dir.File("c.txt");
        File.WriteAllText(file, Corpus);
        var data = TextCorpusData.Load(file);
        Assert.Equal(257, data.VocabSize);
        var s = data.Sample(new Random(0), 16);
        Assert.Equal(256, s[0]);
        Assert.All(s, id => Assert.InRange(id, 0, 256));
    }
}
