using System.Diagnostics;
using System.Globalization;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Statistics;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Attribution.Regularisation;

/// <summary>Options of an XMD update.</summary>
public sealed record XmdOptions
{
    /// <summary>The explanation loss (method and λ).</summary>
    public ErOptions Er { get; init; } = new() { Method = ErMethod.Occlusion, Weight = 1 };

    /// <summary>The short fine-tune (defaults: one epoch, lr 2e-5).</summary>
    public ClassifierTrainOptions Train { get; init; } = new() { LearningRate = 2e-5, CheckpointEvery = 10 };

    /// <summary>Global should-not-matter words are also put first in a seeded sample of texts that lack them (as many as
    /// hold them, labels kept, the word flagged), so the loss sees the word with every class. Without this, feedback
    /// on a trigger whose occurrences all share one class cannot teach that it is irrelevant to the others (on a tiny
    /// planted-trigger model the counter-set stayed at 0.500 whatever the explanation method).</summary>
    public bool InsertGlobal { get; init; } = true;

    /// <summary>Bootstrap resamples of the before/after intervals.</summary>
    public int Resamples { get; init; } = 1000;
}

/// <summary>A measurement before and after the update.</summary>
/// <param name="Measure">What was measured.</param>
/// <param name="Before">Before, with a bootstrap interval.</param>
/// <param name="After">After, with a bootstrap interval.</param>
public sealed record XmdChange(string Measure, Interval Before, Interval After);

/// <summary>What an XMD round did.</summary>
/// <param name="Feedback">Feedback lines applied.</param>
/// <param name="UpdateTexts">Texts of the fine-tune (data rows plus local examples).</param>
/// <param name="TextsWithFeedback">Of those, texts carrying feedback on some word.</param>
/// <param name="Steps">Fine-tune steps.</param>
/// <param name="Seconds">Fine-tune wall time.</param>
/// <param name="Changes">Attribution shares and accuracies before and after.</param>
public sealed record XmdResult(
    int Feedback,
    int UpdateTexts,
    int TextsWithFeedback,
    int Steps,
    double Seconds,
    IReadOnlyList<XmdChange> Changes
);

/// <summary>
/// XMD (Lee et al. 2022): feedback "this word should / should not matter" becomes an explanation-regularisation loss
/// (<see cref="ExplanationObjective"/>): local feedback on its example, global feedback on every occurrence of the word
/// in the update data. A short fine-tune applies it; the caller keeps the model before the update (the update is
/// written to a new directory). Reported: each feedback word's attribution share and the accuracy in distribution,
/// on the evaluation texts with the should-not-matter words put first (the counter-set), before and after.
/// </summary>
public static class XmdUpdate
{
    /// <summary>Builds the update's training rows and feedback.</summary>
    /// <exception cref="InputException">A label that is not the model's, or global words found nowhere.</exception>
    public static (LabeledTextSet Data, List<WordFeedback> Feedback) Rows(
        IReadOnlyList<FeedbackRecord> feedback,
        LabeledTextSet data,
        IReadOnlyList<string> labels,
        bool insertGlobal = false
    )
    {
        var rows = ErData.SingleSpaced(data).Rows.ToList();
        var good = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var bad = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in feedback.Where(f => f.Scope == FeedbackScope.Global))
        {
            good.UnionWith(f.ShouldMatter);
            bad.UnionWith(f.ShouldNotMatter);
        }
        var fb = rows.Select(r => Mark(r.Text.Split(' '), good, bad)).ToList();
        foreach (var w in good.Concat(bad))
            if (
                !fb.Any(f => f.Words.Contains(w, StringComparer.OrdinalIgnoreCase))
                && !feedback.Any(f => f.Text.Split(' ').Contains(w, StringComparer.OrdinalIgnoreCase))
            )
                throw new InputException(
                    $"global feedback word '{w}' occurs nowhere in the update data ({data.Description})"
                );
        if (insertGlobal)
            foreach (var w in bad.Order(StringComparer.OrdinalIgnoreCase))
            {
                var rng = new Random(Bootstrap.Seed(0, "xmd/" + w));
                var lacking = Enumerable
                    .Range(0, data.Rows.Count)
                    .Where(i => !fb[i].Words.Contains(w, StringComparer.OrdinalIgnoreCase))
                    .ToList();
                int having = data.Rows.Count - lacking.Count;
                foreach (int i in lacking.OrderBy(_ => rng.Next()).Take(having).Order().ToList())
                {
                    var words = new[] { w }.Concat(fb[i].Words).ToArray();
                    rows.Add(rows[i] with { Text = string.Join(' ', words) });
                    fb.Add(Mark(words, good, bad));
                }
            }
        foreach (var f in feedback)
        {
            int label = f.Label is null
                ? -1
                : ShortcutData.LabelIndex(
                    labels,
                    f.Label,
                    string.Create(CultureInfo.InvariantCulture, $"feedback line {f.Line}: label")
                );
            if (label < 0)
                continue; // global feedback without a label only marks the data's occurrences
            var words = f.Text.Split(' ');
            var g = new HashSet<string>(f.ShouldMatter, StringComparer.OrdinalIgnoreCase);
            var b = new HashSet<string>(f.ShouldNotMatter, StringComparer.OrdinalIgnoreCase);
            if (f.Scope == FeedbackScope.Global)
            {
                g.UnionWith(good);
                b.UnionWith(bad);
            }
            rows.Add(new LabeledText(f.Text, label));
            fb.Add(Mark(words, g, b));
        }
        return (
            data with
            {
                Rows = rows,
                Description =
                    data.Description
                    + string.Create(CultureInfo.InvariantCulture, $" + {feedback.Count} feedback lines"),
            },
            fb
        );
    }

    /// <summary>Applies the update to <paramref name="classifier"/> in place (write it to <paramref name="outDir"/>) and
    /// measures it on <paramref name="eval"/> (in-distribution texts with their labels).</summary>
    public static XmdResult Apply(
        SequenceClassifier classifier,
        IReadOnlyList<FeedbackRecord> feedback,
        LabeledTextSet data,
        LabeledTextSet eval,
        XmdOptions options,
        string? outDir,
        Action<ClassifierTrainProgress>? progress = null,
        bool resume = false,
        IReadOnlyList<LabeledTextSet>? outOfDistribution = null
    )
    {
        var (rows, fb) = Rows(feedback, data, classifier.Labels, options.InsertGlobal);
        var objective = new ExplanationObjective(rows, fb, options.Er);
        var bad = feedback.SelectMany(f => f.ShouldNotMatter).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var good = feedback.SelectMany(f => f.ShouldMatter).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var ood = outOfDistribution ?? [];
        var before = Measure(classifier, eval, bad, good, options)
            .Concat(ood.Select(o => OodAccuracy(classifier, o, options)))
            .ToList();
        var clock = Stopwatch.StartNew();
        var r = ClassifierTrainer.Train(
            classifier,
            rows,
            options.Train,
            outDir,
            progress,
            resume,
            objective: objective
        );
        double seconds = clock.Elapsed.TotalSeconds;
        var after = Measure(classifier, eval, bad, good, options)
            .Concat(ood.Select(o => OodAccuracy(classifier, o, options)))
            .ToList();
        var changes = before.Zip(after, (b, a) => new XmdChange(b.Name, b.Value, a.Value)).ToList();
        return new XmdResult(feedback.Count, rows.Rows.Count, fb.Count(f => f.Any), r.Steps, seconds, changes);
    }

    private static (string Name, Interval Value) OodAccuracy(SequenceClassifier c, LabeledTextSet set, XmdOptions o) =>
        (
            "accuracy out of distribution: " + set.Description,
            Accuracy(Probabilities(c, set.Rows, o.Train.MaxLength), set.Rows, o, "ood/" + set.Description)
        );

    private static WordFeedback Mark(string[] words, HashSet<string> good, HashSet<string> bad) =>
        new(words, words.Select(good.Contains).ToArray(), words.Select(bad.Contains).ToArray());

    private static List<(string Name, Interval Value)> Measure(
        SequenceClassifier c,
        LabeledTextSet eval,
        List<string> bad,
        List<string> good,
        XmdOptions o
    )
    {
        var list = new List<(string, Interval)>();
        int max = o.Train.MaxLength;
        var plain = Probabilities(c, eval.Rows, max); // one forward per text, shared by the accuracy and the effects
        list.Add(("accuracy: " + eval.Description, Accuracy(plain, eval.Rows, o, "id")));
        foreach (var w in bad)
        {
            var counter = eval.Rows.Select(r => r with { Text = w + " " + r.Text }).ToList();
            var first = Probabilities(c, counter, max);
            list.Add(($"accuracy with '{w}' put first", Accuracy(first, counter, o, "counter/" + w)));
            list.Add(($"attribution share of '{w}' (put first)", Share(c, counter, w, max, o)));
            list.Add(
                ($"occlusion effect of '{w}': |Δ p(gold)| when it is put first", Effect(plain, first, eval.Rows, o, w))
            );
        }
        foreach (var w in good)
        {
            var having = eval.Rows.Where(r => r.Text.Split(' ').Contains(w, StringComparer.OrdinalIgnoreCase)).ToList();
            if (having.Count > 0)
                list.Add(($"attribution share of '{w}' (texts with it)", Share(c, having, w, max, o)));
        }
        return list;
    }

    /// <summary>Mean |p_gold(with) − p_gold(without)| over paired texts: how much the word moves the prediction.</summary>
    private static Interval Effect(
        float[][] without,
        float[][] with,
        IReadOnlyList<LabeledText> rows,
        XmdOptions o,
        string word
    )
    {
        var d = rows.Select((r, k) => (double)Math.Abs(without[k][r.Label] - with[k][r.Label])).ToList();
        return Bootstrap.Percentile(
            d.Count,
            x => x.Average(k => d[k]),
            o.Resamples,
            Bootstrap.Seed(0, "effect/" + word)
        ) with
        {
            Count = d.Count,
        };
    }

    /// <summary>Class probabilities [text][class] in batches of 32.</summary>
    private static float[][] Probabilities(SequenceClassifier c, IReadOnlyList<LabeledText> rows, int max)
    {
        var p = new List<float[]>(rows.Count);
        for (int i = 0; i < rows.Count; i += 32)
            p.AddRange(c.Probabilities(rows.Skip(i).Take(32).Select(r => r.Text).ToList(), max));
        return p.ToArray();
    }

    private static Interval Accuracy(float[][] p, IReadOnlyList<LabeledText> rows, XmdOptions o, string name) =>
        Bootstrap.Proportion(
            rows.Select((r, k) => Array.IndexOf(p[k], p[k].Max()) == r.Label).ToList(),
            o.Resamples,
            0,
            name
        );

    /// <summary>Mean share of the word's tokens in the normalised attribution (the method of the update) over texts.</summary>
    private static Interval Share(
        SequenceClassifier c,
        IReadOnlyList<LabeledText> rows,
        string word,
        int max,
        XmdOptions o
    )
    {
        var tok = c.Encoder.Tokenizer ?? throw new InputException($"{c.Encoder.Name} has no tokenizer");
        var shares = new List<double>();
        for (int i = 0; i < rows.Count; i += 16)
        {
            using var scope = NewDisposeScope();
            var chunk = rows.Skip(i).Take(16).ToList();
            var aligned = chunk
                .Select(r =>
                {
                    var words = r.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return TokenFeedback.Align(
                        tok,
                        new WordFeedback(
                            words,
                            words.Select(x => string.Equals(x, word, StringComparison.OrdinalIgnoreCase)).ToArray(),
                            new bool[words.Length]
                        ),
                        max
                    );
                })
                .ToList();
            var (_, scores) = TokenScores.Compute(
                c,
                aligned,
                chunk.Select(r => r.Label).ToList(),
                o.Er.Method,
                null,
                createGraph: false
            );
            var s = scores
                .div(scores.sum(-1, keepdim: true).ClampMin(1e-12))
                .mul(TokenScores.Flags(aligned, a => a.ShouldMatter, scores.shape[1], scores.device))
                .sum(-1);
            shares.AddRange(s.cpu().to_type(ScalarType.Float64).data<double>().ToArray());
        }
        return Bootstrap.Percentile(
            shares.Count,
            d => d.Average(k => shares[k]),
            o.Resamples,
            Bootstrap.Seed(0, "share/" + word)
        ) with
        {
            Count = shares.Count,
        };
    }
}
