using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>Options of a word-level probing experiment.</summary>
public sealed record WordProbeOptions
{
    /// <summary>Probe architecture and training.</summary>
    public ProbeOptions Probe { get; init; } = new();

    /// <summary>Extraction (pooling, batch size).</summary>
    public ExtractionOptions Extraction { get; init; } = new();

    /// <summary>Train a control-task probe per layer (Hewitt &amp; Liang) and report selectivity.</summary>
    public bool Control { get; init; } = true;

    /// <summary>Also probe a random-weights model of the same architecture.</summary>
    public bool RandomModelBaseline { get; init; } = true;

    /// <summary>Bootstrap resamples for intervals.</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Seed for control labels, the random model and bootstrap.</summary>
    public int Seed { get; init; }
}

/// <summary>One layer's probe results.</summary>
public sealed record LayerProbeResult(
    int Layer,
    string Hook,
    ClassificationMetrics Task,
    Interval? Control,
    double? Selectivity,
    Interval? RandomModel
);

/// <summary>A word-level probing experiment over all layers.</summary>
public sealed record WordProbeResult(
    string Task,
    IReadOnlyList<string> Labels,
    int TrainWords,
    int TestWords,
    int UnseenTestLabelWords,
    int TruncatedSentences,
    double MajorityBaseline,
    string MajorityLabel,
    IReadOnlyList<LayerProbeResult> Layers
)
{
    /// <summary>The layer with the highest task accuracy.</summary>
    public LayerProbeResult BestLayer => Layers.MaxBy(l => l.Task.Accuracy.Value)!;
}

/// <summary>
/// Word-level probing (Belinkov 2017, Tenney 2019a, Hewitt &amp; Liang 2019): extract word vectors at every layer, train
/// a probe on the training sentences, evaluate on the test sentences, with controls and baselines.
/// </summary>
public static class WordProbeExperiment
{
    /// <summary>Runs the experiment. <paramref name="label"/> maps a word to its label (null skips the word).</summary>
    /// <exception cref="InputException">Empty train or test set, or fewer than two labels.</exception>
    public static WordProbeResult Run(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> train,
        IReadOnlyList<ConllSentence> test,
        string taskName,
        Func<ConllWord, string?> label,
        WordProbeOptions? options = null,
        Action<string>? status = null
    )
    {
        var o = options ?? new WordProbeOptions();
        if (train.Count == 0)
            throw new InputException($"{taskName}: the training set has no sentences");
        if (test.Count == 0)
            throw new InputException($"{taskName}: the test set has no sentences");
        var all = train.Concat(test).ToList();
        status?.Invoke("extracting representations");
        using var reps = RepresentationExtractor.Words(
            model,
            all.Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToList()).ToList(),
            o.Extraction
        );
        var rows = Rows(reps, all, label, train.Count);
        var labels = rows.Where(r => r.Train).Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2)
            throw new InputException(
                $"{taskName}: the training set has {labels.Count} label(s); a probe needs at least 2"
            );
        var labelId = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        var trainRows = rows.Where(r => r.Train).ToArray();
        var testRows = rows.Where(r => !r.Train && labelId.ContainsKey(r.Label)).ToArray();
        int unseen = rows.Count(r => !r.Train && !labelId.ContainsKey(r.Label));
        if (testRows.Length == 0)
            throw new InputException($"{taskName}: no test word has a label seen in training");
        var yTr = trainRows.Select(r => labelId[r.Label]).ToArray();
        var yTe = testRows.Select(r => labelId[r.Label]).ToArray();
        var groups = testRows.Select(r => r.Sentence).ToArray();
        var majority = yTr.GroupBy(y => y).MaxBy(g => g.Count())!.Key;
        double majorityAcc = yTe.Count(y => y == majority) / (double)yTe.Length;
        int[]? ctrlTr = null,
            ctrlTe = null;
        if (o.Control)
        {
            var types = trainRows.Concat(testRows).Select(r => r.Type).ToList();
            var ctrl = ControlTask.Labels(types, yTr.Concat(yTe).ToArray(), labels.Count, o.Seed);
            ctrlTr = ctrl[..trainRows.Length];
            ctrlTe = ctrl[trainRows.Length..];
        }
        using var trIdx = tensor(trainRows.Select(r => (long)r.Row).ToArray());
        using var teIdx = tensor(testRows.Select(r => (long)r.Row).ToArray());
        Tensor[]? randomLayers = null;
        WordRepresentations? randomReps = null;
        if (o.RandomModelBaseline)
        {
            status?.Invoke("extracting representations of the random-weights model");
            using var rnd = ModelInit.RandomLike(model, o.Seed + 1);
            randomReps = RepresentationExtractor.Words(
                rnd,
                all.Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToList()).ToList(),
                o.Extraction
            );
            randomLayers = randomReps.Layers.ToArray();
        }
        try
        {
            var results = new List<LayerProbeResult>();
            for (int l = 0; l < reps.Layers.Count; l++)
            {
                status?.Invoke(string.Create(CultureInfo.InvariantCulture, $"layer {l}: training probes"));
                using var scope = NewDisposeScope();
                var x = reps.Layers[l];
                var xTr = x.index_select(0, trIdx);
                var xTe = x.index_select(0, teIdx);
                var rx = randomLayers?[l];
                var features = new LayerProbe.Features(
                    xTr,
                    xTe,
                    rx?.index_select(0, trIdx),
                    rx?.index_select(0, teIdx)
                );
                results.Add(
                    LayerProbe.Evaluate(
                        l,
                        reps.LayerNames[l],
                        features,
                        new LayerProbe.Labels(yTr, yTe, ctrlTr, ctrlTe, labels, groups),
                        o
                    )
                );
            }
            return new WordProbeResult(
                taskName,
                labels,
                trainRows.Length,
                testRows.Length,
                unseen,
                reps.TruncatedSentences,
                majorityAcc,
                labels[majority],
                results
            );
        }
        finally
        {
            randomReps?.Dispose();
        }
    }

    private sealed record ProbeRow(int Row, int Sentence, string Label, string Type, bool Train);

    private static List<ProbeRow> Rows(
        WordRepresentations reps,
        List<ConllSentence> all,
        Func<ConllWord, string?> label,
        int nTrain
    )
    {
        var rows = new List<ProbeRow>();
        for (int r = 0; r < reps.Count; r++)
        {
            var w = all[reps.SentenceOf[r]].Words[reps.WordOf[r]];
            var l = label(w);
            if (l is null)
                continue;
            rows.Add(new ProbeRow(r, reps.SentenceOf[r], l, w.Form.ToLowerInvariant(), reps.SentenceOf[r] < nTrain));
        }
        return rows;
    }
}
