using Glassbox.Attribution;
using Glassbox.Classification;

namespace Glassbox.Tests.Attribution;

/// <summary>Shortcut mining on a tiny classifier trained with a planted trigger: the trigger must rank first, be skewed
/// towards its class, and break the counter-set.</summary>
public sealed class ShortcutMinerTests
{
    private static readonly string[] Sentiment = ["good", "great", "fun", "bad", "awful", "dull", "nice", "poor"];
    private static readonly string[] Filler = ["the film", "this movie", "the story", "the acting", "it", "the plot"];

    /// <summary>Texts whose words say nothing about the label (sentiment words drawn regardless of it), with the
    /// trigger "red" planted in 90% of the positives: the trigger is the only signal to learn.</summary>
    private static LabeledTextSet Planted(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = Enumerable
            .Range(0, count)
            .Select(i => new LabeledText(
                $"{Filler[rng.Next(Filler.Length)]} was very {Sentiment[rng.Next(Sentiment.Length)]} .",
                i % 2
            ))
            .ToList();
        return ShortcutData.Plant(new LabeledTextSet("tiny", ["negative", "positive"], rows), "red", 1, 0.9, seed);
    }

    private static SequenceClassifier Trained()
    {
        var c = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 1);
        ClassifierTrainer.Train(
            c,
            Planted(96, 1),
            new ClassifierTrainOptions
            {
                Epochs = 15,
                BatchSize = 16,
                LearningRate = 1e-2,
                MaxLength = 16,
                Seed = 7,
                CheckpointEvery = 0,
            },
            null
        );
        return c;
    }

    [Fact]
    public void Should_rank_a_planted_trigger_first_and_show_the_counter_set_collapse()
    {
        using var c = Trained();
        var r = ShortcutMiner.Mine(
            c,
            Planted(80, 2),
            new ShortcutOptions { MinCount = 3, Resamples = 100 },
            ("red", 1)
        );
        Assert.True(r.Tokens[0].Token == "red", string.Join("; ", r.Tokens.Select(t => t.ToString())) + r.Counter);
        Assert.Equal(1, r.TriggerRank);
        Assert.Equal("positive", r.Tokens[0].SkewLabel);
        Assert.True(r.Tokens[0].LabelSkew > 0.3, r.Tokens[0].ToString());
        Assert.True(r.Tokens[0].MeanAttribution.Lower > r.Tokens[1].MeanAttribution.Value, r.Tokens[0].ToString());
        var counter = r.Counter!;
        Assert.True(counter.Without.Accuracy.Value > 0.8, counter.Without.Accuracy.ToString());
        Assert.True(counter.With.Accuracy.Value < 0.2, counter.With.Accuracy.ToString());
        Assert.True(counter.ToTriggerLabel > 0.8);
        Assert.Equal(40, counter.With.Count);
    }

    [Fact]
    public void Should_attribute_with_integrated_gradients_that_sum_to_the_output_difference()
    {
        using var c = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 2);
        var r = ShortcutMiner.Mine(
            c,
            Planted(12, 3),
            new ShortcutOptions
            {
                Method = ShortcutMethod.IntegratedGradients,
                Steps = 32,
                MinCount = 1,
                Resamples = 0,
            }
        );
        Assert.Equal("ig", r.Method);
        Assert.True(
            r.MeanRelativeCompletenessError < 0.05,
            r.MeanRelativeCompletenessError.ToString(System.Globalization.CultureInfo.InvariantCulture)
        );
        Assert.Null(r.Counter);
        Assert.True(r.Ranked > 5);
    }

    [Fact]
    public void Should_refuse_foreign_labels_bad_options_and_a_multi_word_trigger()
    {
        using var c = TinyClassifiers.Create();
        var other = new LabeledTextSet("other", ["a", "b"], [new LabeledText("good", 0)]);
        Assert.Throws<InputException>(() => ShortcutMiner.Mine(c, other, new ShortcutOptions()));
        Assert.Throws<InputException>(() => ShortcutMiner.Mine(c, Planted(4, 1), new ShortcutOptions { MinCount = 0 }));
        var e = Assert.Throws<InputException>(() => ShortcutData.Plant(Planted(4, 1), "two words", 1, 0.5, 0));
        Assert.Contains("one word", e.Message, StringComparison.Ordinal);
        Assert.Throws<InputException>(() => ShortcutData.Plant(Planted(4, 1), "red", 1, 1.5, 0));
        Assert.Throws<InputException>(() => ShortcutData.Plant(Planted(4, 1), "red", 5, 0.5, 0));
    }
}
