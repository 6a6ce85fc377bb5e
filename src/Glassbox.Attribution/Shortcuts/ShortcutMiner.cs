using System.Globalization;
using Glassbox.Classification;
using Glassbox.Statistics;
using Glassbox.Tensors;

namespace Glassbox.Attribution;

/// <summary>
/// Shortcut mining (Du et al. 2021, "Towards Interpreting and Mitigating Shortcut Learning Behavior of NLU Models"):
/// attribute every text's gold-class margin to its tokens, aggregate per token type over the data set, and rank the
/// tokens the model relies on regardless of context: mean attribution per occurrence (frequency-normalised), with the
/// attribution mass, the label skew and the local mutual information beside it, because a shortcut is a token that
/// is both relied on and skewed towards one class. With a suspected trigger, the counter-set check puts it on every
/// text of the other classes and measures the accuracy that survives.
/// </summary>
public static class ShortcutMiner
{
    /// <summary>Mines <paramref name="data"/> (labelled with the classifier's classes).</summary>
    /// <param name="classifier">The classifier.</param>
    /// <param name="data">Labelled texts.</param>
    /// <param name="options">Method, counts, bootstrap.</param>
    /// <param name="trigger">A suspected trigger word and the class index it pushes towards (null: no counter-set).</param>
    /// <exception cref="InputException">No texts, labels that are not the classifier's, or bad options.</exception>
    public static ShortcutResult Mine(
        SequenceClassifier classifier,
        LabeledTextSet data,
        ShortcutOptions options,
        (string Word, int Label)? trigger = null
    )
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.Rows.Count == 0)
            throw new InputException($"{data.Description}: no texts to mine");
        if (!data.Labels.SequenceEqual(classifier.Labels, StringComparer.Ordinal))
            throw new InputException(
                $"{data.Description}: labels ({string.Join(", ", data.Labels)}) differ from the classifier's ({string.Join(", ", classifier.Labels)})"
            );
        var tok = classifier.Encoder.Tokenizer
            ?? throw new InputException($"{classifier.Encoder.Name} has no tokenizer");
        var specials = tok.Encode("", true).Ids.ToHashSet();
        var targets = Enumerable.Range(0, classifier.LabelCount).Select(c => Margin(classifier, c)).ToArray();
        var stats = new Dictionary<string, TokenStats>(StringComparer.Ordinal);
        var classTexts = new int[classifier.LabelCount];
        double completeness = 0;
        for (int i = 0; i < data.Rows.Count; i++)
        {
            var row = data.Rows[i];
            classTexts[row.Label]++;
            var ids = Cut(tok.Encode(row.Text, true).Ids, options.MaxLength);
            var attr =
                options.Method == ShortcutMethod.IntegratedGradients
                    ? IntegratedGradients.Attribute(
                        targets[row.Label],
                        ids,
                        new AttributionOptions { Steps = options.Steps, InternalBatchSize = options.Steps }
                    )
                    : IntegratedGradients.GradientTimesInput(targets[row.Label], ids);
            completeness += attr.RelativeCompletenessError;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int p = 0; p < ids.Count; p++)
            {
                if (specials.Contains(ids[p]))
                    continue;
                string t = attr.Tokens[p].ToLowerInvariant();
                if (!stats.TryGetValue(t, out var s))
                    stats[t] = s = new TokenStats(classifier.LabelCount);
                s.Scores.Add(attr.Scores[p]);
                if (seen.Add(t))
                    s.TextsByClass[row.Label]++;
            }
            options.Progress?.Invoke(i + 1, data.Rows.Count);
        }
        var ranked = stats
            .Where(kv => kv.Value.Scores.Count >= options.MinCount)
            .OrderByDescending(kv => kv.Value.Scores.Average())
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .ToList();
        int n = data.Rows.Count;
        var top = ranked
            .Take(options.Top)
            .Select((kv, r) => Describe(r + 1, kv.Key, kv.Value, classTexts, n, data.Labels, options))
            .ToList();
        int? triggerRank = null;
        CounterSetCheck? counter = null;
        string method = options.Method == ShortcutMethod.IntegratedGradients ? "ig" : "gradxinput";
        if (trigger is var (word, label))
        {
            var piece = tok.Encode(word, false).Ids;
            if (piece.Count > 0)
            {
                string first = tok.TokenToString(piece[0]).ToLowerInvariant();
                int at = ranked.FindIndex(kv => kv.Key == first);
                triggerRank = at >= 0 ? at + 1 : null;
            }
            counter = Counter(classifier, data, word, label, options.MaxLength, options.Seed);
        }
        return new ShortcutResult(
            data.Description,
            n,
            method,
            "logit of the gold class − mean of the other logits",
            completeness / n,
            stats.Count,
            ranked.Count,
            top,
            counter,
            triggerRank
        );
    }

    private sealed class TokenStats(int classes)
    {
        public List<double> Scores { get; } = new();
        public int[] TextsByClass { get; } = new int[classes];
    }

    private static TokenShortcut Describe(
        int rank,
        string token,
        TokenStats s,
        int[] classTexts,
        int n,
        IReadOnlyList<string> labels,
        ShortcutOptions o
    )
    {
        int texts = s.TextsByClass.Sum();
        int best = Enumerable
            .Range(0, labels.Count)
            .MaxBy(c => (double)s.TextsByClass[c] / texts - (double)classTexts[c] / n);
        double pc = (double)classTexts[best] / n,
            pcw = (double)s.TextsByClass[best] / texts;
        double lmi = s.TextsByClass[best] == 0 ? 0 : (double)s.TextsByClass[best] / n * Math.Log(pcw / pc);
        var mean = Bootstrap.Percentile(s.Scores, v => v.Average(), o.Resamples, Bootstrap.Seed(o.Seed, token));
        return new TokenShortcut(rank, token, s.Scores.Count, texts, mean, s.Scores.Sum(), labels[best], pcw - pc, lmi);
    }

    private static CounterSetCheck Counter(
        SequenceClassifier classifier,
        LabeledTextSet data,
        string word,
        int label,
        int maxLength,
        int seed
    )
    {
        var counter = ShortcutData.Counter(data, word, label);
        var without = data with
        {
            Description = string.Create(
                CultureInfo.InvariantCulture,
                $"{data.Description}; texts not labelled '{data.Labels[label]}'"
            ),
            Rows = data.Rows.Where(r => r.Label != label).ToArray(),
        };
        var a = ClassifierEvaluation.Evaluate(classifier, without, maxLength: maxLength, seed: seed);
        var b = ClassifierEvaluation.Evaluate(classifier, counter, maxLength: maxLength, seed: seed);
        return new CounterSetCheck(word, data.Labels[label], a, b, b.Predictions.Average(p => p == label ? 1.0 : 0.0));
    }

    /// <summary>The classifier's margin for class <paramref name="c"/>: its logit minus the mean of the others [batch].</summary>
    internal static AttributionTarget Margin(SequenceClassifier classifier, int c) =>
        new($"logit[{classifier.Labels[c]}] − mean other logits", classifier.Encoder, (batch, hooks) =>
        {
            var l = classifier.Logits(batch, hooks, keepGradients: true); // [batch, classes]
            var own = l.select(1, c); // [batch]
            return own.sub(l.sum(1).sub(own).DivScalar(classifier.LabelCount - 1));
        });

    /// <summary>Ids cut to <paramref name="max"/> tokens, keeping the last (the closing special token).</summary>
    internal static IReadOnlyList<int> Cut(IReadOnlyList<int> ids, int max) =>
        ids.Count <= max ? ids : ids.Take(max - 1).Append(ids[^1]).ToArray();
}
