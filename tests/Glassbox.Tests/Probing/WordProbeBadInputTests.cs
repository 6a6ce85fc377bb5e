using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing;

namespace Glassbox.Tests.Probing;

/// <summary>Bad-input classes of the word-level probing experiment: labels seen only in test, over-long sentences.</summary>
public class WordProbeBadInputTests
{
    private static readonly WordProbeOptions Fast = new()
    {
        Control = false,
        RandomModelBaseline = false,
        Resamples = 50,
    };

    private static ConllSentence Sentence(params (string Form, string Upos)[] words) =>
        new(
            null,
            string.Join(' ', words.Select(w => w.Form)),
            words
                .Select(
                    (w, i) =>
                        new ConllWord(
                            i + 1,
                            w.Form,
                            w.Form,
                            w.Upos,
                            w.Upos,
                            new Dictionary<string, string>(),
                            i == 0 ? 0 : 1,
                            i == 0 ? "root" : "dep"
                        )
                )
                .ToList(),
            1
        );

    private static HookedTransformer Encoder() =>
        HookedTransformer.Create(
            TinyModels.Bert,
            TinyModels.RandomWeights(TinyModels.Bert),
            ProbingFixtures.Tokenizer(),
            name: "tiny-bert-words"
        );

    [Fact]
    public void Should_leave_out_and_count_test_words_whose_label_never_occurs_in_training()
    {
        using var model = Encoder();
        var train = Enumerable
            .Range(0, 6)
            .Select(_ => Sentence(("the", "DET"), ("girl", "NOUN"), ("is", "AUX"), ("happy", "ADJ")))
            .ToList();
        // "." is PUNCT, a label the training set never has.
        var test = new[] { Sentence(("the", "DET"), ("boy", "NOUN"), ("is", "AUX"), ("sad", "ADJ"), (".", "PUNCT")) };
        var r = WordProbeExperiment.Run(model, train, test, "upos", w => w.Upos, Fast);
        Assert.Equal(1, r.UnseenTestLabelWords);
        Assert.Equal(4, r.TestWords);
        Assert.DoesNotContain("PUNCT", r.Labels);
    }

    [Fact]
    public void Should_fail_clearly_when_no_test_label_was_seen_in_training()
    {
        using var model = Encoder();
        var train = Enumerable.Range(0, 4).Select(_ => Sentence(("the", "DET"), ("girl", "NOUN"))).ToList();
        var test = new[] { Sentence(("happy", "ADJ"), (".", "PUNCT")) };
        var e = Assert.Throws<InputException>(() =>
            WordProbeExperiment.Run(model, train, test, "upos", w => w.Upos, Fast)
        );
        Assert.Contains("no test word has a label seen in training", e.Message);
    }

    [Fact]
    public void Should_reject_an_empty_dataset()
    {
        using var model = Encoder();
        var one = new[] { Sentence(("the", "DET"), ("girl", "NOUN")) };
        Assert.Throws<InputException>(() =>
            WordProbeExperiment.Run(model, Array.Empty<ConllSentence>(), one, "upos", w => w.Upos, Fast)
        );
        Assert.Throws<InputException>(() =>
            WordProbeExperiment.Run(model, one, Array.Empty<ConllSentence>(), "upos", w => w.Upos, Fast)
        );
    }

    [Fact]
    public void Should_truncate_sentences_longer_than_the_context_and_report_them()
    {
        using var model = Encoder(); // context of 32 tokens
        var words = new[] { ("the", "DET"), ("girl", "NOUN"), ("is", "AUX"), ("happy", "ADJ") };
        var longSentence = Sentence(Enumerable.Range(0, 20).SelectMany(_ => words).ToArray()); // 80 words
        var train = Enumerable.Range(0, 5).Select(_ => Sentence(words)).Append(longSentence).ToList();
        var test = new[] { Sentence(("the", "DET"), ("boy", "NOUN"), ("is", "AUX"), ("sad", "ADJ")), longSentence };
        var r = WordProbeExperiment.Run(model, train, test, "upos", w => w.Upos, Fast);
        Assert.Equal(2, r.TruncatedSentences);
        // 32 positions minus [CLS] and [SEP] leave 30 words of the long test sentence.
        Assert.Equal(4 + 30, r.TestWords);
        Assert.All(r.Layers, l => Assert.InRange(l.Task.Accuracy.Value, 0, 1));
    }
}
