using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing.Edge;

/// <summary>Options of an edge-probing experiment.</summary>
public sealed record EdgeProbeOptions
{
    /// <summary>Span pooling over word vectors.</summary>
    public SpanPooling Pooling { get; init; } = SpanPooling.Mean;

    /// <summary>Linear probe settings for mean and max pooling (L-BFGS, as the word-level probes).</summary>
    public ProbeOptions Probe { get; init; } = new();

    /// <summary>Training settings for attention pooling (Adam, attention and classifier jointly).</summary>
    public AttentionProbeOptions Attention { get; init; } = new();

    /// <summary>Word extraction (subword pooling into word vectors, batch size, progress).</summary>
    public ExtractionOptions Extraction { get; init; } = new();

    /// <summary>Train a control-task probe per layer (random label per span-head word type) and report selectivity.</summary>
    public bool Control { get; init; } = true;

    /// <summary>Also probe a random-weights model of the same architecture.</summary>
    public bool RandomModelBaseline { get; init; } = true;

    /// <summary>Bootstrap resamples (sentences are resampled).</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Seed for control labels, the random model, probes and bootstrap.</summary>
    public int Seed { get; init; }
}

/// <summary>An edge-probing experiment over all layers.</summary>
/// <param name="Task">span or pair.</param>
/// <param name="Pooling">Span pooling.</param>
/// <param name="Labels">Label names (index = class id).</param>
/// <param name="TrainExamples">Training examples.</param>
/// <param name="TestExamples">Test examples scored.</param>
/// <param name="UnseenTestLabelExamples">Test examples left out because their label never occurs in training.</param>
/// <param name="DroppedExamples">Examples left out because a span word was cut by truncation.</param>
/// <param name="TruncatedSentences">Sentences cut to the model's context.</param>
/// <param name="MajorityBaseline">Test accuracy of always predicting the training majority label.</param>
/// <param name="MajorityLabel">That label.</param>
/// <param name="Layers">Per-layer results (layer 0 = embeddings).</param>
public sealed record EdgeProbeResult(
    string Task,
    string Pooling,
    IReadOnlyList<string> Labels,
    int TrainExamples,
    int TestExamples,
    int UnseenTestLabelExamples,
    int DroppedExamples,
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
/// Edge probing (Tenney et al. 2019) on UD trees: span vectors pooled from each layer's word vectors, a linear classifier
/// on one span (phrase type) or the concatenation of two (dependency relation between a head's and a dependent's
/// subtree), with the majority class, the embedding layer, a control task and a random-weights model as baselines and
/// bootstrap intervals over test sentences.
/// </summary>
public static class EdgeProbeExperiment
{
    /// <summary>Runs the experiment.</summary>
    /// <exception cref="InputException">Empty sets, no examples, or fewer than two labels.</exception>
    public static EdgeProbeResult Run(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> train,
        IReadOnlyList<ConllSentence> test,
        EdgeTask task,
        EdgeProbeOptions? options = null,
        Action<string>? status = null
    )
    {
        var o = options ?? new EdgeProbeOptions();
        string name = task == EdgeTask.Span ? "span" : "pair";
        if (train.Count == 0 || test.Count == 0)
            throw new InputException($"edge {name}: the training and test sets need sentences");
        var all = train.Concat(test).ToList();
        var examples = all.SelectMany((s, i) => EdgeTasks.Examples(s, i, task)).ToList();
        status?.Invoke("extracting representations");
        var texts = all.Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToList()).ToList();
        using var reps = RepresentationExtractor.Words(model, texts, o.Extraction);
        var rowOf = RowIndex(reps, all);
        var kept = examples
            .Where(e =>
                Covered(rowOf[e.Sentence], e.Start1, e.End1)
                && (!e.IsPair || Covered(rowOf[e.Sentence], e.Start2, e.End2))
            )
            .ToList();
        int dropped = examples.Count - kept.Count;
        var trainEx = kept.Where(e => e.Sentence < train.Count).ToList();
        var labels = trainEx.Select(e => e.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2)
            throw new InputException(
                $"edge {name}: the training set has {labels.Count} label(s); a probe needs at least 2"
            );
        var id = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        var testAll = kept.Where(e => e.Sentence >= train.Count).ToList();
        var testEx = testAll.Where(e => id.ContainsKey(e.Label)).ToList();
        if (testEx.Count == 0)
            throw new InputException($"edge {name}: no test example has a label seen in training");
        var yTr = trainEx.Select(e => id[e.Label]).ToArray();
        var yTe = testEx.Select(e => id[e.Label]).ToArray();
        var groups = testEx.Select(e => e.Sentence).ToArray();
        int majority = yTr.GroupBy(v => v).MaxBy(g => g.Count())!.Key;
        int[]? ctrlTr = null,
            ctrlTe = null;
        if (o.Control)
        {
            var ctrl = ControlTask.Labels(
                trainEx.Concat(testEx).Select(e => e.Type).ToList(),
                yTr.Concat(yTe).ToArray(),
                labels.Count,
                o.Seed
            );
            ctrlTr = ctrl[..yTr.Length];
            ctrlTe = ctrl[yTr.Length..];
        }
        var rolesTr = Roles(trainEx, rowOf);
        var rolesTe = Roles(testEx, rowOf);
        using var rnd = o.RandomModelBaseline ? ModelInit.RandomLike(model, o.Seed + 1) : null;
        if (rnd is not null)
            status?.Invoke("extracting representations of the random-weights model");
        using var rreps = rnd is null
            ? null
            : RepresentationExtractor.Words(rnd, texts, o.Extraction with { Progress = null });
        var y = new LayerProbe.Labels(yTr, yTe, ctrlTr, ctrlTe, labels, groups);
        var results = new List<LayerProbeResult>();
        for (int l = 0; l < reps.Layers.Count; l++)
        {
            status?.Invoke(
                string.Create(CultureInfo.InvariantCulture, $"layer {l}/{reps.Layers.Count - 1}: training probes")
            );
            using var scope = NewDisposeScope();
            int layer = l;
            results.Add(
                LayerProbe.Evaluate(
                    l,
                    reps.LayerNames[l],
                    (lab, rnd) =>
                        FitPredict((rnd ? rreps! : reps).Layers[layer], rolesTr, rolesTe, lab, labels.Count, o),
                    rreps is not null,
                    y,
                    o.Resamples,
                    o.Seed
                )
            );
        }
        return new EdgeProbeResult(
            name,
            o.Pooling.ToString().ToLowerInvariant(),
            labels,
            yTr.Length,
            yTe.Length,
            testAll.Count - testEx.Count,
            dropped,
            reps.TruncatedSentences,
            yTe.Count(v => v == majority) / (double)yTe.Length,
            labels[majority],
            results
        );
    }

    /// <summary>Trains a probe on the training spans of one layer's word vectors [W, d] and predicts the test spans.</summary>
    private static int[] FitPredict(
        Tensor words,
        SpanRows[] train,
        SpanRows[] test,
        int[] y,
        int classes,
        EdgeProbeOptions o
    )
    {
        if (o.Pooling == SpanPooling.Attention)
        {
            using var ap = AttentionSpanProbe.Train(
                words,
                train,
                y,
                classes,
                o.Attention with
                {
                    Seed = o.Attention.Seed + o.Seed,
                }
            );
            return ap.Predict(words, test);
        }
        using var scope = NewDisposeScope();
        Tensor Features(SpanRows[] roles) // [n, roles*d]
        {
            var parts = roles.Select(r => SpanPool.Pool(words, r, o.Pooling)).ToArray();
            return parts.Length == 1 ? parts[0] : cat(parts, 1);
        }
        using var probe = ClassifierProbe.Train(
            Features(train),
            y,
            classes,
            o.Probe with
            {
                Seed = o.Probe.Seed + o.Seed,
            }
        );
        return probe.Predict(Features(test));
    }

    /// <summary>Row of each (sentence, word) in the representations, -1 where the word was cut.</summary>
    private static int[][] RowIndex(WordRepresentations reps, List<ConllSentence> all)
    {
        var rowOf = all.Select(s => Enumerable.Repeat(-1, s.Words.Count).ToArray()).ToArray();
        for (int r = 0; r < reps.Count; r++)
            rowOf[reps.SentenceOf[r]][reps.WordOf[r]] = r;
        return rowOf;
    }

    /// <summary>Whether every word of the span has a row and the rows are consecutive.</summary>
    private static bool Covered(int[] rows, int start, int end)
    {
        for (int w = start; w < end; w++)
            if (rows[w] < 0 || rows[w] != rows[start] + (w - start))
                return false;
        return true;
    }

    private static SpanRows[] Roles(List<EdgeExample> ex, int[][] rowOf)
    {
        var one = new SpanRows(
            ex.Select(e => (long)rowOf[e.Sentence][e.Start1]).ToArray(),
            ex.Select(e => e.End1 - e.Start1).ToArray()
        );
        if (ex.Count == 0 || !ex[0].IsPair)
            return new[] { one };
        var two = new SpanRows(
            ex.Select(e => (long)rowOf[e.Sentence][e.Start2]).ToArray(),
            ex.Select(e => e.End2 - e.Start2).ToArray()
        );
        return new[] { one, two };
    }
}
