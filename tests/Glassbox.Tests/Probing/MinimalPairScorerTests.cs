using System.Globalization;
using Glassbox.Data;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Statistics;
using Glassbox.Tensors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing;

public class MinimalPairScorerTests(ITestOutputHelper output)
{
    private static readonly MinimalPair[] AgreementPairs =
    {
        new("the girl is happy", "the girl are happy", "agreement", "number"),
        new("the boy is sad", "the boy are sad", "agreement", "number"),
        new("the girl is sad", "the girl are sad", "agreement", "number"),
        new("the boy is happy", "the boy are happy", "other", "number"),
    };

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Should_equal_the_sum_of_log_softmax_from_one_forward(string family)
    {
        using var model = TinyModels.Create(family, seed: 3);
        var ids = new[] { 1, 5, 7, 3, 9, 11 };
        var score = MinimalPairScorer.ScoreCausal(model, new[] { ids })[0];
        using var scope = NewDisposeScope();
        using var batch = TokenBatch.Single(ids);
        var lp = model.Forward(batch).log_softmax(-1);
        double expected = 0;
        for (int i = 1; i < ids.Length; i++)
            expected += lp[0, i - 1, ids[i]].item<float>();
        Assert.Equal(ids.Length - 1, score.Tokens);
        Assert.True(
            Math.Abs(expected - score.LogProb) <= 1e-5,
            string.Create(CultureInfo.InvariantCulture, $"{expected} vs {score.LogProb}")
        );
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt_neox")]
    public void Should_score_padded_batches_like_one_sequence_at_a_time(string family)
    {
        using var model = TinyModels.Create(family, seed: 1);
        var rng = new Random(7);
        var seqs = Enumerable
            .Range(0, 9)
            .Select(i => (IReadOnlyList<int>)Enumerable.Range(0, 2 + rng.Next(12)).Select(_ => rng.Next(50)).ToList())
            .ToList();
        var batched = MinimalPairScorer.ScoreCausal(model, seqs, batchSize: 4);
        for (int i = 0; i < seqs.Count; i++)
        {
            var alone = MinimalPairScorer.ScoreCausal(model, new[] { seqs[i] }, batchSize: 1)[0];
            Assert.Equal(alone.Tokens, batched[i].Tokens);
            Assert.True(
                Math.Abs(alone.LogProb - batched[i].LogProb) <= 1e-5,
                string.Create(CultureInfo.InvariantCulture, $"sequence {i}: {alone.LogProb} vs {batched[i].LogProb}")
            );
            for (int t = 0; t < alone.Tokens; t++)
                Assert.True(Math.Abs(alone.TokenLogProbs[t] - batched[i].TokenLogProbs[t]) <= 1e-5);
        }
    }

    [Fact]
    public void Should_prepend_bos_and_score_the_first_word_from_it()
    {
        using var model = ProbingFixtures.Llama();
        var ids = MinimalPairScorer.Encode(model, new[] { "the girl is happy" })[0];
        Assert.Equal(new[] { 2, 5, 6, 8, 10 }, ids); // [CLS] is the word tokenizer's BOS; no [SEP]
        var s = MinimalPairScorer.ScoreSentences(model, new[] { "the girl is happy" })[0];
        Assert.Equal(4, s.Tokens);
    }

    /// <summary>Unembedding that favours the good sentences' words; the final residual is hooked to all ones.</summary>
    private static MinimalPairResult RunPreferring(string[] favoured, int seed = 0)
    {
        var wu = zeros(50, 16);
        foreach (var w in favoured)
            wu[ProbingFixtures.Id(w)] = ones(16);
        using var model = ProbingFixtures.Llama(unembed: wu);
        var hook = new Hook("ln_final.hook_normalized", (a, _) => ones_like(a));
        return MinimalPairScorer.Evaluate(
            model,
            AgreementPairs,
            new MinimalPairOptions
            {
                BatchSize = 3,
                Hooks = new[] { hook },
                Seed = seed,
            }
        );
    }

    [Fact]
    public void Should_get_accuracy_one_when_logits_prefer_the_good_tokens()
    {
        var r = RunPreferring(new[] { "the", "girl", "boy", "is", "happy", "sad" });
        Assert.Equal(1.0, r.Accuracy.Value);
        Assert.Equal(1.0, r.MeanAccuracy.Value);
        Assert.Equal(4, r.Count);
        Assert.Equal(new[] { "agreement", "other" }, r.Phenomena.Select(p => p.Name));
        Assert.Equal(3, r.Phenomena[0].Count);
        Assert.Single(r.Groups);
        Assert.All(r.Pairs, p => Assert.True(p.Good > p.Bad));
        Assert.Equal(0.5, r.Chance);
    }

    [Fact]
    public void Should_count_ties_as_wrong()
    {
        var r = RunPreferring(Array.Empty<string>()); // uniform logits: good and bad score the same
        Assert.All(r.Pairs, p => Assert.Equal(p.Good, p.Bad));
        Assert.Equal(0.0, r.Accuracy.Value);
        Assert.Equal(0.0, r.MeanAccuracy.Value);
    }

    [Fact]
    public void Should_give_seeded_bootstrap_intervals_that_contain_the_estimate()
    {
        var outcomes = Enumerable.Range(0, 40).Select(i => i % 3 != 0).ToList();
        var a = Bootstrap.Proportion(outcomes, seed: 5, name: "x");
        var b = Bootstrap.Proportion(outcomes, seed: 5, name: "x");
        Assert.Equal(a, b);
        Assert.InRange(a.Value, a.Lower, a.Upper);
        Assert.True(a.Upper > a.Lower);
        Assert.Equal(26.0 / 40, a.Value, 12);
        var strata = new IReadOnlyList<bool>[] { outcomes.Take(10).ToList(), outcomes.Skip(10).ToList() };
        var s = Bootstrap.Proportion(strata, seed: 5);
        Assert.InRange(s.Value, s.Lower, s.Upper);
        Assert.Equal(s, Bootstrap.Proportion(strata, seed: 5));
    }

    [Fact]
    public void Should_give_phenomenon_intervals_that_contain_the_estimate_and_repeat_with_the_seed()
    {
        using var model = ProbingFixtures.Llama(seed: 2);
        var pairs = Enumerable.Range(0, 6).SelectMany(_ => AgreementPairs).ToList();
        var a = MinimalPairScorer.Evaluate(model, pairs, new MinimalPairOptions { Seed = 11 });
        var b = MinimalPairScorer.Evaluate(model, pairs, new MinimalPairOptions { Seed = 11 });
        foreach (var (x, y) in a.Phenomena.Zip(b.Phenomena))
        {
            Assert.Equal(x, y);
            Assert.InRange(x.Accuracy.Value, x.Accuracy.Lower, x.Accuracy.Upper);
            Assert.InRange(x.MeanAccuracy.Value, x.MeanAccuracy.Lower, x.MeanAccuracy.Upper);
        }
        Assert.Equal(a.Accuracy, b.Accuracy);
        Assert.InRange(a.Accuracy.Value, a.Accuracy.Lower, a.Accuracy.Upper);
        var limited = MinimalPairScorer.Evaluate(model, pairs, new MinimalPairOptions { LimitPerPhenomenon = 2 });
        Assert.Equal(4, limited.Count);
    }

    [Fact]
    public void Should_reject_a_masked_model_without_a_language_model_head()
    {
        var c = TinyModels.Bert;
        using var model = HookedTransformer.Create(
            c,
            TinyModels.RandomWeights(c),
            ProbingFixtures.Tokenizer(),
            name: "tiny-bert"
        );
        var e = Assert.Throws<InputException>(() => MinimalPairScorer.Evaluate(model, AgreementPairs));
        Assert.Contains("has no language-model head; minimal pairs need one", e.Message);
    }

    [Fact]
    public void Should_compute_pseudo_log_likelihood_by_masking_each_token()
    {
        using var model = ProbingFixtures.MaskedLm(seed: 4);
        var sentences = new[] { "the girl is happy", "the boy are sad today", "paris" };
        var scores = MinimalPairScorer.ScoreSentences(model, sentences, batchSize: 3);
        var ids = MinimalPairScorer.Encode(model, sentences);
        for (int s = 0; s < sentences.Length; s++)
        {
            double expected = 0;
            int n = 0;
            for (int i = 1; i < ids[s].Count - 1; i++)
            {
                using var scope = NewDisposeScope();
                var copy = ids[s].ToArray();
                copy[i] = 4;
                using var batch = TokenBatch.Single(copy);
                expected += model.Forward(batch).log_softmax(-1)[0, i, ids[s][i]].item<float>();
                n++;
            }
            Assert.Equal(n, scores[s].Tokens);
            Assert.True(
                Math.Abs(expected - scores[s].LogProb) <= 1e-5,
                string.Create(CultureInfo.InvariantCulture, $"{sentences[s]}: {expected} vs {scores[s].LogProb}")
            );
        }
        var r = MinimalPairScorer.Evaluate(model, AgreementPairs);
        Assert.Equal("pseudo-log-likelihood", r.Method);
    }

    [SkippableFact]
    public void Should_prefer_agreeing_verbs_with_stories260k()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        using var model = ModelLoader.Load("stories260k");
        var pairs = AgreementPairsForStories().ToList();
        var r = MinimalPairScorer.Evaluate(model, pairs, new MinimalPairOptions { BatchSize = 32 });
        output.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"stories260K agreement: {r.Accuracy.Value:F3} [{r.Accuracy.Lower:F3}, {r.Accuracy.Upper:F3}] over {r.Count} pairs; mean criterion {r.MeanAccuracy.Value:F3}"
            )
        );
        Assert.True(
            r.Accuracy.Value > 0.5,
            string.Create(CultureInfo.InvariantCulture, $"accuracy {r.Accuracy.Value} over {r.Count} pairs")
        );
    }

    internal static IEnumerable<MinimalPair> AgreementPairsForStories()
    {
        var nouns = new[]
        {
            ("girl", "girls"),
            ("boy", "boys"),
            ("dog", "dogs"),
            ("cat", "cats"),
            ("bird", "birds"),
            ("mom", "moms"),
        };
        var adjectives = new[] { "happy", "sad", "big", "small", "tired", "hungry" };
        foreach (var (sg, pl) in nouns)
        foreach (var adj in adjectives)
        {
            yield return new MinimalPair(
                $"The {sg} is {adj}.",
                $"The {sg} are {adj}.",
                "singular_subject",
                "agreement"
            );
            yield return new MinimalPair($"The {pl} are {adj}.", $"The {pl} is {adj}.", "plural_subject", "agreement");
        }
    }
}
