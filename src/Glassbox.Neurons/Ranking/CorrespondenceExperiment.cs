using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Statistics;
using Glassbox.Tensors;
using TorchSharp;
using static Glassbox.Neurons.CkaGrams;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>
/// Cross-layer and cross-model correspondence on real text: word-level activations of every representation (hook of a
/// model) over the same UD sentences, aligned by (sentence, word) so different tokenizers compare the same words;
/// debiased linear CKA of every pair with a sentence-cluster bootstrap interval and a row-shuffled control, the
/// original (biased) CKA for comparison with published numbers, SVCCA, and the Bau et al. (2018) unit ranking (maxcorr,
/// mincorr, linreg) of the reference representation with a row-shuffled maxcorr control.
/// CKA is computed from Gram matrices (<see cref="CkaGrams"/>), so a bootstrap resample costs an index and a
/// centring per representation instead of a d×d product per pair.
/// </summary>
public static class CorrespondenceExperiment
{
    /// <summary>Runs the comparison. Representations are numbered in source order, hooks in the order given; the
    /// first is the reference of the unit ranking, ranked against the representations of the other models (or,
    /// with one model, against its other hooks).</summary>
    /// <exception cref="InputException">Fewer than two representations, a bad option, or no sentences.</exception>
    public static CorrespondenceResult Run(
        IReadOnlyList<CorrespondenceSource> sources,
        IReadOnlyList<IReadOnlyList<string>> sentences,
        CorrespondenceOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var reps = sources.SelectMany(s => s.Hooks.Select(h => (s.Model, Hook: h))).ToList();
        if (reps.Count < 2)
            throw new InputException("correspondence needs at least two representations (hooks or models)");
        var used = Prefix(sentences, options.MaxRows);
        using var scope = NewDisposeScope();
        var (xs, rows, truncated) = Extract(sources, used, options);
        int n = rows.Count;
        if (n < 3)
            throw new InputException("correspondence needs at least three words common to every model");
        var grams = xs.Select(x => x.matmul(x.t())).ToArray(); // each [n, n], from centred rows
        var self = grams.Select(k => Hsic(k, k)).ToArray();
        var biased = Symmetric(reps.Count, (i, j) => Cka(Hsic(grams[i], grams[j]), self[i], self[j]));
        var ucentred = grams.Select(k => CkaGrams.UCentre(k, null)).ToArray(); // each [n, n]
        var uself = ucentred.Select(k => Hsic(k, k)).ToArray();
        var cka = Symmetric(reps.Count, (i, j) => Cka(Hsic(ucentred[i], ucentred[j]), uself[i], uself[j]));
        var control = CkaGrams.Controls(
            ucentred,
            uself,
            options.Permutations,
            Bootstrap.Seed(options.Seed, "cka-control")
        );
        foreach (var u in ucentred)
            u.Dispose();
        var bases = xs.Select(x => Correspondence.SvccaBasis(x, options.SvccaVariance)).ToArray();
        var svcca = Symmetric(reps.Count, (i, j) => Correspondence.Svcca(bases[i].Basis, bases[j].Basis));
        // SVCCA's control: the same bases with the rows of one side shuffled. Canonical correlations of many kept
        // directions over few rows are high by chance, and this shows how high.
        var shuffle = new Random(Bootstrap.Seed(options.Seed, "svcca-control"));
        using var perm = tensor(Enumerable.Range(0, n).OrderBy(_ => shuffle.Next()).Select(i => (long)i).ToArray());
        var svccaControl = Symmetric(reps.Count, (i, j) =>
            Correspondence.Svcca(bases[i].Basis, bases[j].Basis.index_select(0, perm))
        );
        var clusters = Bootstrap.ClustersOf(rows.Select(r => r.Sentence).ToList());
        var intervals = Intervals(grams, clusters, options);
        var pairs = new List<RepresentationPair>();
        for (int i = 0; i < reps.Count; i++)
        for (int j = i + 1; j < reps.Count; j++)
            pairs.Add(
                new RepresentationPair(
                    i,
                    j,
                    intervals[(i, j)] with
                    {
                        Value = cka[i][j],
                    },
                    biased[i][j],
                    control[i][j],
                    svcca[i][j],
                    svccaControl[i][j]
                )
            );
        var against = Enumerable
            .Range(1, reps.Count - 1)
            .Where(i => sources.Count == 1 || !ReferenceEquals(reps[i].Model, reps[0].Model))
            .ToList();
        var (top, controlMax) = RankUnits(xs, against, options);
        var described = reps.Select(
                (r, i) => new CorrespondedRepresentation(r.Model.Name, r.Hook, (int)xs[i].shape[1], bases[i].Kept)
            )
            .ToList();
        return new CorrespondenceResult(
            described,
            n,
            clusters.Length,
            truncated,
            cka,
            biased,
            control,
            svcca,
            pairs,
            against,
            top,
            controlMax,
            options.SvccaVariance
        );
    }

    /// <summary>The leading sentences whose words fit in <paramref name="maxRows"/> (at least one sentence).</summary>
    private static List<IReadOnlyList<string>> Prefix(IReadOnlyList<IReadOnlyList<string>> sentences, int maxRows)
    {
        var used = new List<IReadOnlyList<string>>();
        int words = 0;
        foreach (var s in sentences)
        {
            if (used.Count > 0 && words + s.Count > maxRows)
                break;
            used.Add(s);
            words += s.Count;
        }
        if (used.Count == 0)
            throw new InputException("correspondence needs sentences");
        return used;
    }

    /// <summary>Centred float64 word activations of every representation, [n, units] each, on the (sentence, word)
    /// rows that every model produced (a model may cut a long sentence at its context length).</summary>
    private static (Tensor[] Xs, List<(int Sentence, int Word)> Rows, int Truncated) Extract(
        IReadOnlyList<CorrespondenceSource> sources,
        List<IReadOnlyList<string>> sentences,
        CorrespondenceOptions o
    )
    {
        var extracted = new List<(WordRepresentations Reps, Dictionary<(int, int), int> Row)>();
        int done = 0,
            total = sentences.Count * sources.Count,
            truncated = 0;
        foreach (var s in sources)
        {
            int offset = done;
            var reps = RepresentationExtractor.Words(
                s.Model,
                sentences,
                new ExtractionOptions
                {
                    Hooks = s.Hooks,
                    Pooling = o.Pooling,
                    Progress = o.Progress is null ? null : (d, _) => o.Progress(offset + d, total),
                }
            );
            done += sentences.Count;
            truncated = Math.Max(truncated, reps.TruncatedSentences);
            var row = new Dictionary<(int, int), int>();
            for (int r = 0; r < reps.Count; r++)
                row[(reps.SentenceOf[r], reps.WordOf[r])] = r;
            extracted.Add((reps, row));
        }
        var common = extracted[0]
            .Row.Keys.Where(k => extracted.All(e => e.Row.ContainsKey(k)))
            .OrderBy(k => k.Item1)
            .ThenBy(k => k.Item2)
            .ToList();
        var xs = new List<Tensor>();
        foreach (var (reps, row) in extracted)
        {
            using var idx = tensor(common.Select(k => (long)row[k]).ToArray());
            foreach (var layer in reps.Layers)
            {
                var x = layer.index_select(0, idx).to(ScalarType.Float64); // [n, units]
                xs.Add(x - x.mean([0], true));
            }
            reps.Dispose();
        }
        return (xs.ToArray(), common.Select(k => (k.Item1, k.Item2)).ToList(), truncated);
    }

    /// <summary>Sentence-cluster bootstrap intervals of every pair's CKA. All pairs share one set of resamples: the
    /// first pair's statistic computes every pair's HSIC on its resample and caches it; the other pairs run the same
    /// seeded bootstrap (so the same draws, in the same order) and read their value back.</summary>
    private static Dictionary<(int, int), Interval> Intervals(Tensor[] grams, int[][] clusters, CorrespondenceOptions o)
    {
        int r = grams.Length;
        var cache = new List<(int Rows, double[,] H)>();
        int seed = Bootstrap.Seed(o.Seed, "cka");
        var result = new Dictionary<(int, int), Interval>();
        for (int i = 0; i < r; i++)
        for (int j = i + 1; j < r; j++)
        {
            int b = 0;
            bool first = result.Count == 0;
            int a = i,
                c = j;
            result[(i, j)] = Bootstrap.Clustered(
                clusters,
                rows =>
                {
                    if (first)
                    {
                        cache.Add((rows.Length, CkaGrams.Resampled(grams, rows)));
                        o.Progress?.Invoke(cache.Count, o.Resamples + 1);
                    }
                    var (m, h) = cache[b++];
                    if (m != rows.Length)
                        throw new InvalidOperationException("bootstrap resamples differ between pairs");
                    return Cka(h[a, c], h[a, a], h[c, c]);
                },
                o.Resamples,
                seed
            );
        }
        return result;
    }

    /// <summary>Top units of the reference by maxcorr against <paramref name="against"/>, and the largest maxcorr
    /// when the rows of the others are shuffled (a unit must beat it to count as matched).</summary>
    private static (List<UnitMatch> Top, double ControlMax) RankUnits(
        Tensor[] xs,
        List<int> against,
        CorrespondenceOptions o
    )
    {
        var others = against.Select(i => xs[i]).ToList();
        var ranking = Correspondence.Rank(xs[0], others);
        var rng = new Random(Bootstrap.Seed(o.Seed, "maxcorr-control"));
        var perm = Enumerable.Range(0, (int)xs[0].shape[0]).OrderBy(_ => rng.Next()).Select(i => (long)i).ToArray();
        using var idx = tensor(perm);
        var shuffled = others.Select(x => x.index_select(0, idx)).ToList();
        double controlMax = Correspondence.Rank(xs[0], shuffled).MaxCorr.Max();
        foreach (var s in shuffled)
            s.Dispose();
        var top = Enumerable
            .Range(0, ranking.MaxCorr.Length)
            .OrderByDescending(u => ranking.MaxCorr[u])
            .ThenBy(u => u)
            .Take(o.TopUnits)
            .Select((u, k) => new UnitMatch(k + 1, u, ranking.MaxCorr[u], ranking.MinCorr[u], ranking.LinReg[u]))
            .ToList();
        return (top, controlMax);
    }
}
