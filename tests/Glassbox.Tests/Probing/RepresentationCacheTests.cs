using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Tests.Loading;
using Glassbox.Tokenization;

namespace Glassbox.Tests.Probing;

public class RepresentationCacheTests
{
    private static readonly IReadOnlyList<IReadOnlyList<string>> Sentences = new[]
    {
        new[] { "the", "girl", "is", "happy" },
        new[] { "the", "boy", "was", "born", "in", "paris", "." },
        new[] { "rome" },
    };

    private static HookedTransformer Model(int seed) =>
        ModelInit.RandomLike(
            HookedTransformer.Create(
                TinyModels.Bert,
                TinyModels.RandomWeights(TinyModels.Bert),
                ProbingFixtures.Tokenizer(),
                name: "bert-words"
            ),
            seed
        );

    [Fact]
    public void Should_read_back_an_identical_extraction_and_reuse_it()
    {
        using var dir = new TempDir();
        using var model = Model(3);
        var o = new ExtractionOptions { CacheDirectory = dir.Path, Pooling = Pooling.Mean };
        using var first = RepresentationExtractor.Words(model, Sentences, o);
        var files = Directory.GetFiles(dir.Path, "*.safetensors");
        Assert.Single(files);
        var stamp = File.GetLastWriteTimeUtc(files[0]);
        using var second = RepresentationExtractor.Words(model, Sentences, o);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(files[0])); // not rewritten: read from the cache
        Assert.Equal(first.LayerNames, second.LayerNames);
        Assert.Equal(first.SentenceOf, second.SentenceOf);
        Assert.Equal(first.WordOf, second.WordOf);
        for (int l = 0; l < first.Layers.Count; l++)
            Assert.True(first.Layers[l].equal(second.Layers[l]).all().item<bool>());
        using var uncached = RepresentationExtractor.Words(model, Sentences, o with { CacheDirectory = null });
        Assert.True(uncached.Layers[^1].equal(second.Layers[^1]).all().item<bool>());
    }

    [Fact]
    public void Should_key_the_cache_on_model_data_and_pooling()
    {
        using var dir = new TempDir();
        var o = new ExtractionOptions { CacheDirectory = dir.Path };
        using (var a = Model(1))
            RepresentationExtractor.Words(a, Sentences, o).Dispose();
        using (var b = Model(2))
            RepresentationExtractor.Words(b, Sentences, o).Dispose();
        using (var a = Model(1))
        {
            RepresentationExtractor.Words(a, Sentences, o with { Pooling = Pooling.Last }).Dispose();
            RepresentationExtractor.Words(a, Sentences.Take(2).ToList(), o).Dispose();
        }
        // Same weights and words, another tokenizer (two vocabulary entries swapped): a new entry, never a stale one.
        var vocab = ProbingFixtures.Vocab.ToArray();
        (vocab[6], vocab[7]) = (vocab[7], vocab[6]);
        using (
            var other = ModelInit.RandomLike(
                HookedTransformer.Create(
                    TinyModels.Bert,
                    TinyModels.RandomWeights(TinyModels.Bert),
                    Glassbox.Tokenization.WordPieceTokenizer.FromVocab(vocab),
                    name: "bert-words"
                ),
                1
            )
        )
            RepresentationExtractor.Words(other, Sentences, o).Dispose();
        Assert.Equal(5, Directory.GetFiles(dir.Path, "*.safetensors").Length);
    }

    [Fact]
    public void Should_treat_a_damaged_cache_file_as_a_miss()
    {
        using var dir = new TempDir();
        using var model = Model(5);
        var o = new ExtractionOptions { CacheDirectory = dir.Path };
        using var first = RepresentationExtractor.Words(model, Sentences, o);
        var file = Directory.GetFiles(dir.Path, "*.safetensors").Single();
        File.WriteAllBytes(file, new byte[] { 1, 2, 3 });
        using var again = RepresentationExtractor.Words(model, Sentences, o);
        Assert.True(first.Layers[0].equal(again.Layers[0]).all().item<bool>());
        Assert.True(new FileInfo(file).Length > 100); // rebuilt
    }
}
