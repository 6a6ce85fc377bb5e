using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Statistics;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>
/// Cross-layer and cross-model correspondence on real text: word-level activations of every representation (hook of a
/// model) over the same UD sentences, aligned by (sentence, word) so different tokenizers compare the same words;
/// linear CKA of every pair with a sentence-cluster bootstrap interval and a row-shuffled control (the CKA that
/// unrelated rows of the same dimensionality give), SVCCA, and the Bau et al. (2018) unit ranking (maxcorr, mincorr,
/// linreg) of the reference representation with a row-shuffled maxcorr control.
/// CKA is computed from the centred Gram matrices, HSIC = Σ Kc∘Lc, so a bootstrap resample costs an index and a
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
        var grams = xs.Select(x => x.matmul(x.t())).ToArray(); // each [n, n], centred
        var self = grams.Select(k => k.Square().sum().item<double>()).ToArray();
        var cka = Matrix(reps.Count, (i, j) => Cka(Hsic(grams[i], grams[j]), self[i], self[j]));
        var control = Controls(grams, self, options);
        var bases = xs.Select(x => Correspondence.SvccaBasis(x, options.SvccaVariance)).ToArray();
        var svcca = Matrix(reps.Count, (i, j) => Correspondence.Svcca(bases[i].Basis, bases[j].Basis));
        var clusters = Bootstrap.ClustersOf(rows.Select(r => r.Sentence).ToList());
        var intervals = Intervals(grams, clusters, options);
        var pairs = new List<RepresentationPair>();
        for (int i = 0; i < reps.Count; i++)
        for (int j = i + 1; j < reps.Count; j++)
            pairs.Add(
                new RepresentationPair(i, j, intervals[(i, j)] with { Value = cka[i][j] }, control[i][j], svcca[i][j])
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

    private static double Hsic(Tensor k, Tensor l) => k.mul(l).sum().item<double>();

    private static double Cka(double kl, double kk, double ll) =>
        kk <= 0 || ll <= 0 ? double.NaN : kl / Math.Sqrt(kk * ll);

    private static double[][] Matrix(int r, Func<int, int, double> f)
    {
        var m = new double[r][];
        for (int i = 0; i < r; i++)
            m[i] = new double[r];
        for (int i = 0; i < r; i++)
        for (int j = i; j < r; j++)
            m[i][j] = m[j][i] = f(i, j);
        return m;
    }

    /// <summary>Mean CKA of each pair after shuffling the rows of one side (seeded permutations): the value the
    /// comparison gives when rows do not correspond, which grows with dimensionality over rows.</summary>
    private static double[][] Controls(Tensor[] grams, double[] self, CorrespondenceOptions o)
    {
        int r = grams.Length;
        var sums = new double[r, r];
        var rng = new Random(Bootstrap.Seed(o.Seed, "cka-control"));
        for (int p = 0; p < o.Permutations; p++)
        {
            using var scope = NewDisposeScope();
            var perm = Enumerable
                .Range(0, (int)grams[0].shape[0])
                .OrderBy(_ => rng.Next())
                .Select(i => (long)i)
                .ToArray();
            using var idx = tensor(perm);
            var shuffled = grams.Select(k => k.index_select(0, idx).index_select(1, idx)).ToArray(); // [n, n]
            for (int i = 0; i < r; i++)
            for (int j = 0; j < r; j++)
                sums[i, j] += Cka(Hsic(grams[i], shuffled[j]), self[i], self[j]);
        }
        return Matrix(r, (i, j) => (sums[i, j] + sums[j, i]) / (2.0 * o.Permutations));
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
                        cache.Add((rows.Length, ResampledHsic(grams, rows)));
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

    /// <summary>HSIC of every pair on the resampled rows: each Gram indexed by the rows and centred again.</summary>
    private static double[,] ResampledHsic(Tensor[] grams, int[] rows)
    {
        using var scope = NewDisposeScope();
        using var idx = tensor(rows.Select(x => (long)x).ToArray());
        var centred = grams
            .Select(k =>
            {
                var s = k.index_select(0, idx).index_select(1, idx); // [m, m]
                return (s - s.mean([0], true) - s.mean([1], true)).Plus(s.mean());
            })
            .ToArray();
        int r = grams.Length;
        var h = new double[r, r];
        for (int i = 0; i < r; i++)
        for (int j = i; j < r; j++)
            h[i, j] = h[j, i] = Hsic(centred[i], centred[j]);
        return h;
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
