using Glassbox.Statistics;
using static TorchSharp.torch;

namespace Glassbox.Classification;

/// <summary>Counts of one class in an evaluation.</summary>
/// <param name="Label">Class name.</param>
/// <param name="Support">Texts whose gold label is this class.</param>
/// <param name="Predicted">Texts predicted as this class.</param>
/// <param name="Correct">Texts of this class predicted correctly.</param>
/// <param name="Recall">Correct / Support (null without support).</param>
public sealed record ClassCounts(string Label, int Support, int Predicted, int Correct, double? Recall);

/// <summary>Accuracy of a classifier on labelled texts, with its uncertainty and baseline.</summary>
/// <param name="Data">Where the texts came from.</param>
/// <param name="Count">Texts evaluated.</param>
/// <param name="Accuracy">Accuracy with a percentile bootstrap 95% interval over texts.</param>
/// <param name="MajorityLabel">The most frequent gold class.</param>
/// <param name="MajorityBaseline">Accuracy of always predicting <paramref name="MajorityLabel"/>.</param>
/// <param name="Classes">Per-class counts, in label order.</param>
/// <param name="Predictions">Predicted class index of every text, in data order.</param>
/// <param name="Seconds">Wall time of the forward passes.</param>
public sealed record ClassifierEvalResult(
    string Data,
    int Count,
    Interval Accuracy,
    string MajorityLabel,
    double MajorityBaseline,
    IReadOnlyList<ClassCounts> Classes,
    IReadOnlyList<int> Predictions,
    double Seconds
);

/// <summary>Evaluates a <see cref="SequenceClassifier"/> on labelled texts in batches.</summary>
public static class ClassifierEvaluation
{
    /// <summary>Predicts every text and scores the predictions.</summary>
    /// <param name="classifier">The classifier.</param>
    /// <param name="data">Texts labelled with the classifier's classes.</param>
    /// <param name="batchSize">Texts per forward.</param>
    /// <param name="maxLength">Tokens per text.</param>
    /// <param name="seed">Seed of the bootstrap.</param>
    /// <param name="progress">Called with (texts done, total) after each batch.</param>
    /// <exception cref="InputException">No texts, or labels that are not the classifier's.</exception>
    public static ClassifierEvalResult Evaluate(
        SequenceClassifier classifier,
        LabeledTextSet data,
        int batchSize = 64,
        int maxLength = 128,
        int seed = 0,
        Action<int, int>? progress = null
    )
    {
        if (data.Rows.Count == 0)
            throw new InputException($"{data.Description}: no texts to evaluate");
        if (batchSize < 1)
            throw new InputException("--batch must be at least 1");
        if (!data.Labels.SequenceEqual(classifier.Labels, StringComparer.Ordinal))
            throw new InputException(
                $"{data.Description}: labels ({string.Join(", ", data.Labels)}) differ from the classifier's ({string.Join(", ", classifier.Labels)})"
            );
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var predictions = new List<int>(data.Rows.Count);
        for (int from = 0; from < data.Rows.Count; from += batchSize)
        {
            var texts = data.Rows.Skip(from).Take(batchSize).Select(r => r.Text).ToList();
            using var scope = NewDisposeScope();
            using var batch = classifier.Tokenize(texts, maxLength);
            using var logits = classifier.Logits(batch); // [batch, n_labels]
            predictions.AddRange(logits.argmax(-1).cpu().data<long>().ToArray().Select(p => (int)p));
            progress?.Invoke(predictions.Count, data.Rows.Count);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var gold = data.Rows.Select(r => r.Label).ToArray();
        var correct = gold.Select((g, i) => g == predictions[i]).ToArray();
        var accuracy = Bootstrap.Proportion(correct, seed: seed, name: "classifier accuracy");
        var classes = Enumerable
            .Range(0, classifier.LabelCount)
            .Select(c =>
            {
                int support = gold.Count(g => g == c),
                    hit = Enumerable.Range(0, gold.Length).Count(i => gold[i] == c && predictions[i] == c);
                return new ClassCounts(
                    classifier.Labels[c],
                    support,
                    predictions.Count(p => p == c),
                    hit,
                    support > 0 ? (double)hit / support : null
                );
            })
            .ToList();
        var majority = classes.OrderByDescending(c => c.Support).First();
        return new ClassifierEvalResult(
            data.Description,
            gold.Length,
            accuracy,
            majority.Label,
            (double)majority.Support / gold.Length,
            classes,
            predictions,
            seconds
        );
    }
}
