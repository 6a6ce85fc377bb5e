using System.Globalization;
using Glassbox.Models;
using Glassbox.Tensors;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing;

/// <summary>A sentence-level probing experiment over all layers (Conneau et al. 2018 style tasks: tense, voice,
/// subject number, length): sentence vectors are the mean of the sentence's word vectors at each layer.</summary>
public static class SentenceProbeExperiment
{
    /// <summary>Runs the experiment on pre-split sentences with one label each.</summary>
    /// <param name="model">The model.</param>
    /// <param name="train">Training sentences (words and label).</param>
    /// <param name="test">Test sentences.</param>
    /// <param name="taskName">Task name for reports.</param>
    /// <param name="options">Options (null for defaults).</param>
    /// <param name="status">Progress messages.</param>
    /// <param name="controlTypes">The type whose random label makes the control task, one per training then test sentence
    /// (e.g. the lemma of the word that carries the property, such as the main verb for tense). Null: the sentence's
    /// first word, lower-cased.</param>
    /// <exception cref="InputException">Empty sets, fewer than two labels, or control types of the wrong count.</exception>
    public static WordProbeResult Run(
        HookedTransformer model,
        IReadOnlyList<(IReadOnlyList<string> Words, string Label)> train,
        IReadOnlyList<(IReadOnlyList<string> Words, string Label)> test,
        string taskName,
        WordProbeOptions? options = null,
        Action<string>? status = null,
        IReadOnlyList<string>? controlTypes = null
    )
    {
        if (controlTypes is not null && controlTypes.Count != train.Count + test.Count)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{taskName}: {controlTypes.Count} control types for {train.Count + test.Count} sentences"
                )
            );
        var o = options ?? new WordProbeOptions();
        if (train.Count == 0 || test.Count == 0)
            throw new InputException($"{taskName}: the training and test sets need sentences");
        var labels = train.Select(t => t.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        if (labels.Count < 2)
            throw new InputException(
                $"{taskName}: the training set has {labels.Count} label(s); a probe needs at least 2"
            );
        var id = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        var testKept = test.Where(t => id.ContainsKey(t.Label)).ToList();
        if (testKept.Count == 0)
            throw new InputException($"{taskName}: no test sentence has a label seen in training");
        var all = train.Concat(testKept).Select(t => t.Words).ToList();
        var yTr = train.Select(t => id[t.Label]).ToArray();
        var yTe = testKept.Select(t => id[t.Label]).ToArray();
        status?.Invoke("extracting representations");
        using var reps = RepresentationExtractor.Words(model, all, o.Extraction with { Pooling = Pooling.Mean });
        using var rnd = o.RandomModelBaseline ? ModelInit.RandomLike(model, o.Seed + 1) : null;
        using var rreps = rnd is null
            ? null
            : RepresentationExtractor.Words(rnd, all, o.Extraction with { Pooling = Pooling.Mean });
        var (sentIdx, weight) = SentenceMeans(reps.SentenceOf, all.Count);
        using var _s = sentIdx;
        using var _w = weight;
        Tensor Pool(Tensor rows) => zeros(all.Count, rows.shape[1]).IndexAddInPlace(0, sentIdx, rows * weight); // [sentences, d_model]
        var majority = yTr.GroupBy(y => y).MaxBy(g => g.Count())!.Key;
        int[]? ctrlTr = null,
            ctrlTe = null;
        if (o.Control)
        {
            // Control for sentences: the label is a random function of one word type per sentence (given, else the first word).
            var kept = controlTypes is null
                ? null
                : controlTypes
                    .Take(train.Count)
                    .Concat(
                        test.Select((t, i) => (t, i))
                            .Where(x => id.ContainsKey(x.t.Label))
                            .Select(x => controlTypes[train.Count + x.i])
                    )
                    .ToList();
            var types = kept ?? all.Select(w => w[0].ToLowerInvariant()).ToList();
            var ctrl = ControlTask.Labels(types, yTr.Concat(yTe).ToArray(), labels.Count, o.Seed);
            ctrlTr = ctrl[..yTr.Length];
            ctrlTe = ctrl[yTr.Length..];
        }
        var results = new List<LayerProbeResult>();
        for (int l = 0; l < reps.Layers.Count; l++)
        {
            status?.Invoke(string.Create(CultureInfo.InvariantCulture, $"layer {l}: training probes"));
            using var scope = NewDisposeScope();
            var x = Pool(reps.Layers[l]);
            var xTr = x.narrow(0, 0, yTr.Length);
            var xTe = x.narrow(0, yTr.Length, yTe.Length);
            var rx = rreps is null ? null : Pool(rreps.Layers[l]);
            var features = new LayerProbe.Features(
                xTr,
                xTe,
                rx?.narrow(0, 0, yTr.Length),
                rx?.narrow(0, yTr.Length, yTe.Length)
            );
            results.Add(
                LayerProbe.Evaluate(
                    l,
                    reps.LayerNames[l],
                    features,
                    new LayerProbe.Labels(yTr, yTe, ctrlTr, ctrlTe, labels, null),
                    o
                )
            );
        }
        return new WordProbeResult(
            taskName,
            labels,
            yTr.Length,
            yTe.Length,
            test.Count - testKept.Count,
            reps.TruncatedSentences,
            yTe.Count(y => y == majority) / (double)yTe.Length,
            labels[majority],
            results
        );
    }

    /// <summary>Row → sentence index and the weight 1/n_s of each row, for mean pooling with index_add.</summary>
    private static (Tensor SentenceIndex, Tensor Weight) SentenceMeans(int[] sentenceOf, int sentences)
    {
        var counts = new int[sentences];
        foreach (var s in sentenceOf)
            counts[s]++;
        return (
            tensor(sentenceOf.Select(s => (long)s).ToArray()),
            tensor(sentenceOf.Select(s => 1f / counts[s]).ToArray()).unsqueeze(1)
        );
    }
}
