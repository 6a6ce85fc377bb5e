using Glassbox.Classification;
using Glassbox.Models;
using Glassbox.Tokenization;

namespace Glassbox.Tests;

/// <summary>Tiny random sequence classifiers (the tiny BERT of <see cref="TinyModels"/> with a 50-word WordPiece
/// vocabulary and a seeded head) for unit tests: no external files.</summary>
public static class TinyClassifiers
{
    /// <summary>The words of the tiny vocabulary (after the five special tokens), all lower-case.</summary>
    public static readonly string[] Words =
    [
        "the",
        "a",
        "film",
        "movie",
        "is",
        "was",
        "good",
        "bad",
        "great",
        "awful",
        "fun",
        "dull",
        "and",
        "but",
        "not",
        "very",
        "so",
        "it",
        "this",
        "story",
        "acting",
        "plot",
        "i",
        "loved",
        "hated",
        "funny",
        "boring",
        "best",
        "worst",
        "nice",
        "poor",
        "smart",
        "silly",
        "warm",
        "cold",
        "red",
        "blue",
        "green",
        "happy",
        "sad",
        "of",
        "to",
        "in",
        "on",
        ".",
    ];

    /// <summary>A WordPiece tokenizer over [PAD], [UNK], [CLS], [SEP], [MASK] and <see cref="Words"/> (50 ids).</summary>
    public static WordPieceTokenizer Tokenizer() =>
        WordPieceTokenizer.FromVocab(new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Concat(Words));

    /// <summary>A tiny random classifier (2 layers, d_model 16) with labels negative/positive by default.</summary>
    public static SequenceClassifier Create(
        ClassifierPooling pooling = ClassifierPooling.Cls,
        int seed = 0,
        IReadOnlyList<string>? labels = null
    )
    {
        var c = TinyModels.Bert;
        var encoder = HookedTransformer.Create(c, TinyModels.RandomWeights(c, seed), Tokenizer(), "tiny-bert");
        return SequenceClassifier.Create(encoder, labels ?? ["negative", "positive"], pooling, seed);
    }

    /// <summary>A small labelled sentiment set over <see cref="Words"/>: (text, label) pairs, balanced.</summary>
    public static IReadOnlyList<(string Text, string Label)> Sentences(int count, int seed = 0)
    {
        var rng = new Random(seed);
        string[] pos = ["good", "great", "fun", "funny", "best", "nice", "smart", "warm", "loved"];
        string[] neg = ["bad", "awful", "dull", "boring", "worst", "poor", "silly", "cold", "hated"];
        string[] filler = ["the film", "this movie", "the story", "the acting", "it", "the plot"];
        var rows = new List<(string, string)>();
        for (int i = 0; i < count; i++)
        {
            bool p = i % 2 == 0;
            var w = p ? pos[rng.Next(pos.Length)] : neg[rng.Next(neg.Length)];
            rows.Add(($"{filler[rng.Next(filler.Length)]} was very {w} .", p ? "positive" : "negative"));
        }
        return rows;
    }
}
