using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Statistics;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Probing.Coreference;

/// <summary>Options of a coreference-by-similarity experiment.</summary>
public sealed record CoreferenceOptions
{
    /// <summary>The similarity probe's settings.</summary>
    public SimilarityProbeOptions Probe { get; init; } = new();

    /// <summary>Word extraction (names may span several subwords: mean pooling by default).</summary>
    public ExtractionOptions Extraction { get; init; } = new() { Pooling = Pooling.Mean };

    /// <summary>Also run a random-weights model of the same architecture.</summary>
    public bool RandomModelBaseline { get; init; } = true;

    /// <summary>Bootstrap resamples (over test sentences).</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Seed for the probe, the random model and the bootstrap.</summary>
    public int Seed { get; init; }
}

/// <summary>One layer: accuracy of picking the antecedent by raw and by probe-transformed cosine similarity.</summary>
/// <param name="Layer">Layer (0 = embeddings).</param>
/// <param name="Hook">Hook name.</param>
/// <param name="Raw">Raw cosine accuracy on the test sentences.</param>
/// <param name="Probe">Probe-transformed cosine accuracy on the test sentences.</param>
/// <param name="RawByCue">Raw accuracy per cue (gender, number).</param>
/// <param name="ProbeByCue">Probe accuracy per cue.</param>
/// <param name="RandomModelRaw">Raw accuracy of the random-weights model.</param>
/// <param name="RandomModelProbe">Probe accuracy of the random-weights model.</param>
public sealed record CoreferenceLayerResult(
    int Layer,
    string Hook,
    Interval Raw,
    Interval Probe,
    IReadOnlyDictionary<string, Interval> RawByCue,
    IReadOnlyDictionary<string, Interval> ProbeByCue,
    Interval? RandomModelRaw,
    Interval? RandomModelProbe
);

/// <summary>A coreference-by-similarity experiment over all layers.</summary>
/// <param name="TrainSentences">Training sentences (probe).</param>
/// <param name="TestSentences">Test sentences (held-out nouns and names).</param>
/// <param name="DroppedSentences">Sentences left out because a needed word was cut by truncation.</param>
/// <param name="Rank">Projection rank.</param>
/// <param name="Chance">Chance accuracy (two candidates, balanced orders: 0.5).</param>
/// <param name="Layers">Per-layer results.</param>
public sealed record CoreferenceResult(
    int TrainSentences,
    int TestSentences,
    int DroppedSentences,
    int Rank,
    double Chance,
    IReadOnlyList<CoreferenceLayerResult> Layers
)
{
    /// <summary>The layer with the highest probe accuracy.</summary>
    public CoreferenceLayerResult BestProbe => Layers.MaxBy(l => l.Probe.Value)!;

    /// <summary>The layer with the highest raw accuracy.</summary>
    public CoreferenceLayerResult BestRaw => Layers.MaxBy(l => l.Raw.Value)!;
}

/// <summary>
/// Coreference by similarity (Sorodoc et al. 2020): per layer, does the pronoun's vector lie closer (cosine) to its
/// antecedent than to the distractor? Measured on raw vectors and after a low-rank map trained on other sentences
/// (<see cref="SimilarityProbe"/>), tested on sentences with held-out nouns and names, with chance (0.5), the
/// random-weights model, bootstrap intervals and a gender/number breakdown.
/// </summary>
public static class CoreferenceExperiment
{
    /// <summary>Runs the experiment.</summary>
    /// <exception cref="InputException">Empty sets, or a word index outside its sentence.</exception>
    public static CoreferenceResult Run(
        HookedTransformer model,
        IReadOnlyList<PronounSentence> train,
        IReadOnlyList<PronounSentence> test,
        CoreferenceOptions? options = null,
        Action<string>? status = null
    )
    {
        var o = options ?? new CoreferenceOptions();
        if (train.Count == 0 || test.Count == 0)
            throw new InputException("coreference: the training and test sets need sentences");
        foreach (var s in train.Concat(test))
            if (new[] { s.Pronoun, s.Antecedent, s.Distractor }.Any(i => i < 0 || i >= s.Words.Count))
                throw new InputException($"coreference: a word index is outside the sentence '{s.Text}'");
        var all = train.Concat(test).ToList();
        var texts = all.Select(s => s.Words).ToList();
        status?.Invoke("extracting representations");
        using var reps = RepresentationExtractor.Words(model, texts, o.Extraction);
        var rows = Rows(reps, all);
        var trainIdx = Enumerable.Range(0, train.Count).Where(i => rows[i] is not null).ToArray();
        var testIdx = Enumerable.Range(train.Count, test.Count).Where(i => rows[i] is not null).ToArray();
        if (trainIdx.Length == 0 || testIdx.Length == 0)
            throw new InputException("coreference: every sentence lost a needed word to truncation");
        using var rnd = o.RandomModelBaseline ? ModelInit.RandomLike(model, o.Seed + 1) : null;
        if (rnd is not null)
            status?.Invoke("extracting representations of the random-weights model");
        using var rreps = rnd is null
            ? null
            : RepresentationExtractor.Words(rnd, texts, o.Extraction with { Progress = null });
        var cues = testIdx.Select(i => all[i].Cue.ToString().ToLowerInvariant()).ToArray();
        var results = new List<CoreferenceLayerResult>();
        for (int l = 0; l < reps.Layers.Count; l++)
        {
            status?.Invoke(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"layer {l}/{reps.Layers.Count - 1}: training the similarity probe"
                )
            );
            var (raw, probe) = Evaluate(reps.Layers[l], rows, trainIdx, testIdx, o);
            (bool[] Raw, bool[] Probe)? random = rreps is null
                ? null
                : Evaluate(rreps.Layers[l], rows, trainIdx, testIdx, o);
            results.Add(
                new CoreferenceLayerResult(
                    l,
                    reps.LayerNames[l],
                    Interval(raw, o, 10 * l),
                    Interval(probe, o, 10 * l + 1),
                    ByCue(raw, cues, o, 10 * l + 2),
                    ByCue(probe, cues, o, 10 * l + 4),
                    random is null ? null : Interval(random.Value.Raw, o, 10 * l + 6),
                    random is null ? null : Interval(random.Value.Probe, o, 10 * l + 7)
                )
            );
        }
        return new CoreferenceResult(
            trainIdx.Length,
            testIdx.Length,
            all.Count - trainIdx.Length - testIdx.Length,
            (int)Math.Min(o.Probe.Rank, model.Config.DModel),
            0.5,
            results
        );
    }

    private static (bool[] Raw, bool[] Probe) Evaluate(
        Tensor layer,
        (long P, long A, long D)?[] rows,
        int[] trainIdx,
        int[] testIdx,
        CoreferenceOptions o
    )
    {
        using var scope = NewDisposeScope();
        (Tensor P, Tensor A, Tensor D) Pick(int[] idx) =>
            (
                layer.index_select(0, tensor(idx.Select(i => rows[i]!.Value.P).ToArray())),
                layer.index_select(0, tensor(idx.Select(i => rows[i]!.Value.A).ToArray())),
                layer.index_select(0, tensor(idx.Select(i => rows[i]!.Value.D).ToArray()))
            );
        var tr = Pick(trainIdx);
        var te = Pick(testIdx);
        var raw = SimilarityProbe.RawCorrect(te.P, te.A, te.D);
        using var probe = SimilarityProbe.Train(tr.P, tr.A, tr.D, o.Probe with { Seed = o.Probe.Seed + o.Seed });
        return (raw, probe.Correct(te.P, te.A, te.D));
    }

    private static Interval Interval(bool[] correct, CoreferenceOptions o, int salt) =>
        ClassificationMetrics.IntervalOf(correct.Length, null, o.Resamples, o.Seed * 7919 + salt, ix =>
            ix.Length == 0 ? double.NaN : ix.Count(i => correct[i]) / (double)ix.Length
        );

    private static IReadOnlyDictionary<string, Interval> ByCue(
        bool[] correct,
        string[] cues,
        CoreferenceOptions o,
        int salt
    ) =>
        cues.Distinct()
            .Order(StringComparer.Ordinal)
            .ToDictionary(
                c => c,
                c => Interval(correct.Where((_, i) => cues[i] == c).ToArray(), o, salt + (c == "gender" ? 0 : 1))
            );

    /// <summary>Rows of each sentence's pronoun, antecedent and distractor; null when one was cut.</summary>
    private static (long P, long A, long D)?[] Rows(WordRepresentations reps, List<PronounSentence> all)
    {
        var map = new Dictionary<(int, int), long>();
        for (int r = 0; r < reps.Count; r++)
            map[(reps.SentenceOf[r], reps.WordOf[r])] = r;
        return all.Select(
                (s, i) =>
                    map.TryGetValue((i, s.Pronoun), out var p)
                    && map.TryGetValue((i, s.Antecedent), out var a)
                    && map.TryGetValue((i, s.Distractor), out var d)
                        ? ((long, long, long)?)(p, a, d)
                        : null
            )
            .ToArray();
    }
}
