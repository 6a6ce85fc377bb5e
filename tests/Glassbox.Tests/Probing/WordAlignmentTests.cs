using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Tokenization;
using TorchSharp;

namespace Glassbox.Tests.Probing;

public class WordAlignmentTests
{
    private static readonly WordPieceTokenizer Tok = WordPieceTokenizer.FromVocab(MiniLmImporter.ReadVocab());

    [Fact]
    public void Should_map_every_word_to_its_subword_tokens()
    {
        var words = new[] { "Tokenization", "isn't", "trivial", "." };
        var a = WordAlignment.Align(Tok, words, 512);
        Assert.False(a.Truncated);
        // [CLS] token ##ization isn ' t trivial . [SEP]
        Assert.Equal(new[] { new[] { 1, 2 }, new[] { 3, 4, 5 }, new[] { 6 }, new[] { 7 } }, a.WordTokens);
    }

    [Fact]
    public void Should_truncate_long_sentences_instead_of_failing()
    {
        var words = Enumerable.Repeat("word", 40).ToArray();
        var a = WordAlignment.Align(Tok, words, 16);
        Assert.True(a.Truncated);
        Assert.Equal(16, a.Ids.Count);
        Assert.Equal(102, a.Ids[^1]);
        Assert.Equal(14, a.WordTokens.Count(t => t.Length > 0));
    }

    [Fact]
    public void Should_pool_subwords_exactly_as_the_cached_activations()
    {
        using var model = ModelLoader.Load("minilm");
        var sentences = new[] { new[] { "Tokenization", "isn't", "trivial" }, new[] { "Short", "one" } };
        using var mean = RepresentationExtractor.Words(
            model,
            sentences,
            new ExtractionOptions { Pooling = Pooling.Mean, BatchSize = 2 }
        );
        using var first = RepresentationExtractor.Words(
            model,
            sentences,
            new ExtractionOptions { Pooling = Pooling.First }
        );
        Assert.Equal(5, mean.Count);
        Assert.Equal(7, mean.Layers.Count);
        using var batch = TokenBatch.Single(WordAlignment.Align(Tok, sentences[0], 512).Ids);
        using var run = model.RunWithCache(batch, n => n == HookName.ResidPost(2));
        var h = run.Cache[HookName.ResidPost(2)][0];
        using var expectedMean = h[3..6].mean(new long[] { 0 }); // isn ' t
        Assert.True(TinyModels.MaxAbsDiff(mean.Layers[3][1], expectedMean) < 1e-5);
        Assert.True(TinyModels.MaxAbsDiff(first.Layers[3][0], h[1]) < 1e-5); // "token"
    }
}
