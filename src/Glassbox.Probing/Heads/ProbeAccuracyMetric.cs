using Glassbox.Data;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tokenization;

namespace Glassbox.Probing.Heads;

/// <summary>
/// A head-masking metric for encoders (which have no LM loss): a linear UPOS probe is trained once on the last layer's
/// word vectors (first subword) of the first 80% of the sentences; the metric is its accuracy on the other 20%, with the
/// test sentences' vectors re-extracted under the masking hooks. A drop means the masked head carried information the
/// probe relies on (Michel et al. 2019 measure task accuracy the same way).
/// </summary>
public sealed class ProbeAccuracyMetric : IDisposable
{
    /// <summary>Name used in reports.</summary>
    public const string Name = "UPOS probe accuracy, last layer (higher is better)";

    private readonly ClassifierProbe _probe;
    private readonly IReadOnlyList<IReadOnlyList<string>> _test;
    private readonly ExtractionOptions _extraction;
    private readonly Func<WordRepresentations, int[]> _labels;

    private ProbeAccuracyMetric(
        ClassifierProbe probe,
        IReadOnlyList<IReadOnlyList<string>> test,
        ExtractionOptions extraction,
        Func<WordRepresentations, int[]> labels
    ) => (_probe, _test, _extraction, _labels) = (probe, test, extraction, labels);

    /// <summary>Builds the metric. The probe is trained here, unmasked.</summary>
    /// <exception cref="InputException">Fewer than 5 sentences, or fewer than two UPOS labels in the training part.</exception>
    public static ProbeAccuracyMetric Create(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> sentences,
        int seed = 0
    )
    {
        if (sentences.Count < 5)
            throw new InputException($"probe-accuracy masking needs at least 5 sentences, got {sentences.Count}");
        int nTrain = sentences.Count * 4 / 5;
        var words = sentences.Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToList()).ToList();
        var hook = new[] { HookName.ResidPost(model.Config.NLayers - 1) };
        var extraction = new ExtractionOptions { Hooks = hook, Pooling = Pooling.First };
        using var train = RepresentationExtractor.Words(model, words.Take(nTrain).ToList(), extraction);
        var labels = sentences
            .SelectMany(s => s.Words.Select(w => w.Upos))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        var id = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        int[] Labels(WordRepresentations r, int offset) =>
            Enumerable
                .Range(0, r.Count)
                .Select(i => id[sentences[offset + r.SentenceOf[i]].Words[r.WordOf[i]].Upos])
                .ToArray();
        var yTrain = Labels(train, 0);
        if (yTrain.Distinct().Count() < 2)
            throw new InputException("probe-accuracy masking: the training sentences have fewer than two UPOS labels");
        var probe = ClassifierProbe.Train(train.Layers[0], yTrain, labels.Count, new ProbeOptions { Seed = seed });
        return new ProbeAccuracyMetric(probe, words.Skip(nTrain).ToList(), extraction, r => Labels(r, nTrain));
    }

    /// <summary>The probe's accuracy on the held-out sentences, re-encoded by <paramref name="model"/> under <paramref name="hooks"/>.</summary>
    public double Measure(HookedTransformer model, IReadOnlyList<Hook> hooks)
    {
        using var reps = RepresentationExtractor.Words(model, _test, _extraction with { Interventions = hooks });
        var y = _labels(reps);
        var predicted = _probe.Predict(reps.Layers[0]);
        return predicted.Zip(y).Count(p => p.First == p.Second) / (double)Math.Max(1, y.Length);
    }

    /// <summary>Frees the probe.</summary>
    public void Dispose() => _probe.Dispose();
}
