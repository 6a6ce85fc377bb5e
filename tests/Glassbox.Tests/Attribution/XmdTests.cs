using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;
using Glassbox.Data;

namespace Glassbox.Tests.Attribution;

/// <summary>XMD on a tiny classifier that learnt a planted trigger: global "should not matter" feedback on the trigger
/// removes its attribution and recovers the counter-set; the feedback file is validated completely.</summary>
public sealed class XmdTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-xmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Should_remove_a_shortcut_by_global_should_not_matter_feedback()
    {
        var (data, _) = ExplanationRegularisationTests.Planted(96, 1, rate: 1.0);
        using var c = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 1);
        ClassifierTrainer.Train(c, data, ExplanationRegularisationTests.Options(), null);
        var eval = ExplanationRegularisationTests.Planted(80, 2, rate: 0).Data;
        var feedback = new[] { new FeedbackRecord(1, "red", null, [], ["red"], FeedbackScope.Global) };
        var options = new XmdOptions
        {
            Er = new ErOptions { Method = ErMethod.Occlusion, Weight = 1 },
            Train = ExplanationRegularisationTests.Options(12),
            Resamples = 100,
        };
        var r = XmdUpdate.Apply(c, feedback, data, eval, options, null);
        var counter = r.Changes.Single(x => x.Measure == "accuracy with 'red' put first");
        var share = r.Changes.Single(x => x.Measure == "attribution share of 'red' (put first)");
        Assert.True(counter.Before.Value < 0.7, counter.ToString());
        Assert.True(
            counter.After.Value > 0.9,
            counter.ToString()
                + share
                + string.Join("; ", r.Changes)
                + FormattableString.Invariant($" {r.Steps} {r.UpdateTexts} {r.TextsWithFeedback}")
        );
        Assert.True(share.After.Value < share.Before.Value / 2, share.ToString());
        Assert.Equal(96, r.TextsWithFeedback); // 48 positives hold the trigger, 48 negatives got it put first
    }

    [Fact]
    public void Should_mark_global_words_everywhere_and_local_words_only_on_their_example()
    {
        var data = new LabeledTextSet(
            "d",
            ["negative", "positive"],
            [new LabeledText("red  film was good", 1), new LabeledText("the film was bad", 0)]
        );
        var fb = new[]
        {
            new FeedbackRecord(1, "film was good", "positive", ["good"], [], FeedbackScope.Local),
            new FeedbackRecord(2, "red", null, [], ["red"], FeedbackScope.Global),
        };
        var (rows, marks) = XmdUpdate.Rows(fb, data, data.Labels);
        Assert.Equal(3, rows.Rows.Count);
        Assert.Equal("red film was good", rows.Rows[0].Text);
        Assert.Equal([true, false, false, false], marks[0].ShouldNotMatter);
        Assert.False(marks[1].Any);
        Assert.Equal([false, false, true], marks[2].ShouldMatter);
    }

    public static TheoryData<string, string> BadFeedback =>
        new()
        {
            {
                """{"text": "the film", "label": "positive", "should_matter": ["great"]}""",
                "'great' is not a word of the text"
            },
            { """{"text": "the film", "should_matter": ["film"]}""", "needs the example's 'label'" },
            { """{"text": "the film", "label": "positive"}""", "at least one word" },
            { """{"text": "the film", "label": "positive", "should_matter": "film"}""", "must be a list of words" },
            {
                """{"text": "the film", "label": "positive", "should_matter": ["film"], "scope": "everywhere"}""",
                "scope must be local or global"
            },
            {
                """{"text": "the film", "label": "positive", "should_matter": ["film"], "weight": 2}""",
                "unknown key 'weight'"
            },
            {
                """{"text": "the film", "label": "positive", "should_matter": ["film"], "should_not_matter": ["FILM"]}""",
                "in both"
            },
            { """{"text": "  ", "label": "positive", "should_matter": ["film"]}""", "empty text" },
            { """{"text": "the film", "label": "positive", "should_matter": ["the film"]}""", "single words" },
        };

    [Theory]
    [MemberData(nameof(BadFeedback))]
    public void Should_refuse_bad_feedback_naming_the_line(string line, string message)
    {
        var path = Path.Combine(_dir, "fb.jsonl");
        File.WriteAllText(
            path,
            """{"text": "ok film", "label": "positive", "should_matter": ["ok"]}""" + "\n" + line + "\n"
        );
        var e = Assert.Throws<DataFormatException>(() => FeedbackReader.Read(path));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.LineNumber);
    }

    [Fact]
    public void Should_refuse_a_feedback_label_that_is_not_the_models()
    {
        var data = new LabeledTextSet("d", ["negative", "positive"], [new LabeledText("the film", 1)]);
        var fb = new[] { new FeedbackRecord(3, "the film", "neutral", ["film"], [], FeedbackScope.Local) };
        var e = Assert.Throws<InputException>(() => XmdUpdate.Rows(fb, data, data.Labels));
        Assert.Contains("feedback line 3", e.Message, StringComparison.Ordinal);
    }
}
