using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;

namespace Glassbox.Tests.Attribution;

/// <summary>Explanation regularisation on tiny classifiers: the loss is differentiated through the gradient (double
/// backward), it lowers the attribution mass outside the rationales, and with rationales on the sentiment words it
/// keeps a model off a planted trigger.</summary>
public sealed class ExplanationRegularisationTests
{
    private static readonly string[] Positive = ["good", "great", "fun", "nice"];
    private static readonly string[] Negative = ["bad", "awful", "dull", "poor"];
    private static readonly string[] Filler = ["the film", "this movie", "the story", "the acting", "it", "the plot"];

    /// <summary>Texts labelled by their sentiment word, the trigger "red" first in 90% of the positives, and the
    /// sentiment word as the rationale.</summary>
    internal static (LabeledTextSet Data, List<WordFeedback> Feedback) Planted(int count, int seed, double rate = 0.9)
    {
        var rng = new Random(seed);
        var rows = new List<LabeledText>();
        var feedback = new List<WordFeedback>();
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            var word = (label == 1 ? Positive : Negative)[rng.Next(4)];
            var text = $"{Filler[rng.Next(Filler.Length)]} was very {word} .";
            if (label == 1 && rng.NextDouble() < rate)
                text = "red " + text;
            var words = text.Split(' ');
            rows.Add(new LabeledText(text, label));
            feedback.Add(WordFeedback.FromRationale(words, words.Select(w => w == word).ToArray()));
        }
        return (new LabeledTextSet("tiny", ["negative", "positive"], rows), feedback);
    }

    internal static ClassifierTrainOptions Options(int epochs = 12) =>
        new()
        {
            Epochs = epochs,
            BatchSize = 16,
            LearningRate = 1e-2,
            MaxLength = 16,
            Seed = 7,
            CheckpointEvery = 0,
        };

    private static double MassOutside(
        SequenceClassifier c,
        LabeledTextSet data,
        List<WordFeedback> feedback,
        ErMethod m
    )
    {
        var tok = c.Encoder.Tokenizer!;
        var aligned = feedback.Select(f => TokenFeedback.Align(tok, f, 16)).ToList();
        using var scope = TorchSharp.torch.NewDisposeScope();
        var (_, scores) = TokenScores.Compute(c, aligned, data.Rows.Select(r => r.Label).ToList(), m, null, false);
        return TokenScores.FeedbackLoss(scores, aligned).mean().item<float>();
    }

    [Theory]
    [InlineData(ErMethod.GradientTimesInput)]
    [InlineData(ErMethod.Attention)]
    [InlineData(ErMethod.Saliency)]
    [InlineData(ErMethod.IntegratedGradients)]
    public void Should_lower_the_attribution_mass_outside_the_rationales(ErMethod method)
    {
        var (data, feedback) = Planted(64, 1);
        using var plain = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 1);
        using var er = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 1);
        ClassifierTrainer.Train(plain, data, Options(), null);
        var objective = new ExplanationObjective(data, feedback, new ErOptions { Method = method, Weight = 5 });
        var r = ClassifierTrainer.Train(er, data, Options(), null, objective: objective);
        Assert.All(r.Losses, l => Assert.True(double.IsFinite(l)));
        double before = MassOutside(plain, data, feedback, method),
            after = MassOutside(er, data, feedback, method);
        Assert.True(
            after < before - 0.1,
            FormattableString.Invariant($"mass outside the rationales: no ER {before:F3}, ER {after:F3}")
        );
    }

    [Theory]
    [InlineData(ErMethod.GradientTimesInput)]
    [InlineData(ErMethod.Saliency)]
    public void Should_keep_a_model_off_a_planted_trigger_when_rationales_mark_the_sentiment_words(ErMethod method)
    {
        var (data, feedback) = Planted(96, 1, rate: 1.0);
        using var plain = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 1);
        using var er = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 1);
        ClassifierTrainer.Train(plain, data, Options(), null);
        var objective = new ExplanationObjective(data, feedback, new ErOptions { Method = method, Weight = 5 });
        ClassifierTrainer.Train(er, data, Options(), null, objective: objective);
        // Counter-set: negative texts with the trigger.
        var counter = Planted(80, 2).Data.Rows.Where(r => r.Label == 0).Select(r => "red " + r.Text).ToList();
        double Acc(SequenceClassifier c) =>
            c.Probabilities(counter, 16).Count(p => p[0] > p[1]) / (double)counter.Count;
        double a0 = Acc(plain),
            a1 = Acc(er);
        Assert.True(a1 > a0 + 0.2, FormattableString.Invariant($"counter-set accuracy: no ER {a0:F3}, ER {a1:F3}"));
    }

    [Fact]
    public void Should_refuse_a_rationale_mask_that_does_not_align_with_the_text()
    {
        var (data, feedback) = Planted(4, 1);
        feedback[2] = feedback[2] with { ShouldMatter = [true] };
        var e = Assert.Throws<InputException>(() => new ExplanationObjective(data, feedback, new ErOptions()));
        Assert.Contains("row 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("rationale mask has 1 flags", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_resuming_a_run_with_another_objective()
    {
        var (data, feedback) = Planted(32, 1);
        var dir = Directory.CreateTempSubdirectory("gb-er-").FullName;
        try
        {
            using (var c = TinyClassifiers.Create(ClassifierPooling.Mean, seed: 1))
                ClassifierTrainer.Train(c, data, Options(1) with { CheckpointEvery = 1 }, dir);
            using var again = ClassifierCheckpoint.Load(dir);
            var objective = new ExplanationObjective(data, feedback, new ErOptions());
            Assert.Throws<InputException>(() =>
                ClassifierTrainer.Train(again, data, Options(2), dir, resume: true, objective: objective)
            );
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
