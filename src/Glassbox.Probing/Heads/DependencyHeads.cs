using System.Globalization;
using Glassbox.Data;
using Glassbox.Statistics;
using Glassbox.Views;

namespace Glassbox.Probing.Heads;

/// <summary>Which way a head's attention is read when it predicts a dependency.</summary>
public enum AttentionDirection
{
    /// <summary>The dependent's most-attended other word is its head.</summary>
    DependentToHead,

    /// <summary>The word that attends most to the dependent (among the other words) is its head (Clark's
    /// "transpose" mode: the head attends to the dependent).</summary>
    HeadToDependent,
}

/// <summary>Options of <see cref="DependencyHeads"/>.</summary>
public sealed record DependencyHeadOptions
{
    /// <summary>Relations to score (see <see cref="DependencyRelations.Matches"/>).</summary>
    public IReadOnlyList<string> Relations { get; init; } = DependencyRelations.Default;

    /// <summary>The fixed-offset baseline tries offsets -MaxOffset..+MaxOffset (0 excluded).</summary>
    public int MaxOffset { get; init; } = 3;

    /// <summary>Bootstrap resamples (over sentences) for the best head's interval.</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Bootstrap seed.</summary>
    public int Seed { get; init; }
}

/// <summary>The best attention head for one dependency relation against the fixed-offset baseline.</summary>
/// <param name="Relation">Requested relation.</param>
/// <param name="Count">Number of (dependent, head) pairs scored.</param>
/// <param name="BestHead">"L{layer}H{head}" (0-based, see <see cref="HeadName"/>) of the best head; "-" when Count is 0.</param>
/// <param name="Layer">Best head's layer (-1 when Count is 0).</param>
/// <param name="Head">Best head's index (-1 when Count is 0).</param>
/// <param name="Direction">The direction in which the best head scores best.</param>
/// <param name="Accuracy">Best head's accuracy in that direction.</param>
/// <param name="Lower">Lower end of its 95% bootstrap interval (sentences resampled; the head is not re-selected).</param>
/// <param name="Upper">Upper end of that interval.</param>
/// <param name="DependentToHead">Best head's accuracy in the dependent-to-head direction.</param>
/// <param name="HeadToDependent">Best head's accuracy in the head-to-dependent direction.</param>
/// <param name="BaselineOffset">The best fixed offset (head = dependent + offset).</param>
/// <param name="BaselineAccuracy">Accuracy of that offset.</param>
/// <param name="BeatsBaseline">Whether the best head's accuracy is above the baseline's.</param>
/// <param name="ClearlyBeatsBaseline">Whether even the lower end of the head's interval is above the baseline.</param>
/// <param name="AccuracyDependentToHead">Every head's dependent-to-head accuracy [layer][head].</param>
/// <param name="AccuracyHeadToDependent">Every head's head-to-dependent accuracy [layer][head].</param>
public sealed record RelationHeadResult(
    string Relation,
    int Count,
    string BestHead,
    int Layer,
    int Head,
    AttentionDirection Direction,
    double Accuracy,
    double Lower,
    double Upper,
    double DependentToHead,
    double HeadToDependent,
    int BaselineOffset,
    double BaselineAccuracy,
    bool BeatsBaseline,
    bool ClearlyBeatsBaseline,
    double[][] AccuracyDependentToHead,
    double[][] AccuracyHeadToDependent
);

/// <summary>Result of <see cref="DependencyHeads.Evaluate"/>.</summary>
/// <param name="Options">Options used.</param>
/// <param name="Sentences">Sentences scored.</param>
/// <param name="SkippedSentences">Sentences left out because they were cut to the context.</param>
/// <param name="Relations">One entry per requested relation, in order.</param>
public sealed record DependencyHeadResult(
    DependencyHeadOptions Options,
    int Sentences,
    int SkippedSentences,
    IReadOnlyList<RelationHeadResult> Relations
);

/// <summary>Clark et al. (2019) "What does BERT look at?", §4: how well each head's attention, read at the word level
/// (<see cref="WordAttention"/>), points from a dependent to its syntactic head, per relation. A word's prediction is
/// its most-attended other word (self and special tokens excluded; a row with no attention to any other word predicts
/// nothing). The baseline predicts the word at a fixed offset, the best offset per relation.</summary>
public static class DependencyHeads
{
    /// <summary>Scores every head on every requested relation.</summary>
    /// <param name="attention">Word-aligned attention per sentence (<see cref="TokenRoles.FromAligned"/>).</param>
    /// <param name="parses">The gold parse of each sentence, same order and words.</param>
    /// <param name="options">Options (null for defaults).</param>
    /// <exception cref="InputException">Lists differ in length, a sentence lacks word alignment, or a relation is unknown.</exception>
    public static DependencyHeadResult Evaluate(
        IReadOnlyList<SentenceAttention> attention,
        IReadOnlyList<ConllSentence> parses,
        DependencyHeadOptions? options = null
    )
    {
        var opt = options ?? new DependencyHeadOptions();
        DependencyRelations.Validate(opt.Relations);
        if (attention.Count != parses.Count)
            throw new InputException($"{attention.Count} attention inputs but {parses.Count} parses");
        if (attention.Count == 0)
            throw new InputException("dependency head scoring needs at least one sentence");
        int L = attention[0].Layers,
            H = attention[0].Heads,
            R = opt.Relations.Count,
            LH = L * H;
        int nOff = 2 * opt.MaxOffset;
        var used = new List<int>();
        for (int s = 0; s < attention.Count; s++)
        {
            var words = attention[s].Roles.WordTokens
                ?? throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"sentence {s} has no word alignment")
                );
            if (words.Count != parses[s].Words.Count)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"sentence {s}: {words.Count} aligned words but the parse has {parses[s].Words.Count}"
                    )
                );
            if (words.All(w => w.Length > 0))
                used.Add(s);
        }
        int S = used.Count;
        var hits = new int[R, LH, 2][];
        for (int r = 0; r < R; r++)
        for (int i = 0; i < LH; i++)
        {
            hits[r, i, 0] = new int[S];
            hits[r, i, 1] = new int[S];
        }
        var totals = new int[R][];
        var offHits = new int[R, nOff];
        for (int r = 0; r < R; r++)
            totals[r] = new int[S];
        for (int si = 0; si < S; si++)
        {
            var att = attention[used[si]];
            var parse = parses[used[si]];
            int w = parse.Words.Count;
            var pairs = new List<(int Rel, int Dep, int Head)>();
            foreach (var word in parse.Words)
            {
                if (word.Head == 0)
                    continue;
                for (int r = 0; r < R; r++)
                    if (DependencyRelations.Matches(opt.Relations[r], word.Deprel))
                        pairs.Add((r, word.Id - 1, word.Head - 1));
            }
            if (pairs.Count == 0)
                continue;
            foreach (var (r, d, h) in pairs)
            {
                totals[r][si]++;
                for (int o = 0; o < nOff; o++)
                    if (d + OffsetAt(o, opt.MaxOffset) == h)
                        offHits[r, o]++;
            }
            var toHead = new int[w];
            var fromHead = new int[w];
            for (int l = 0; l < L; l++)
            for (int hd = 0; hd < H; hd++)
            {
                var m = WordAttention.Convert(att, l, hd);
                for (int d = 0; d < w; d++)
                {
                    toHead[d] = ArgMax(m, d, rows: false);
                    fromHead[d] = ArgMax(m, d, rows: true);
                }
                int lh = l * H + hd;
                foreach (var (r, d, h) in pairs)
                {
                    if (toHead[d] == h)
                        hits[r, lh, 0][si]++;
                    if (fromHead[d] == h)
                        hits[r, lh, 1][si]++;
                }
            }
        }
        var results = new List<RelationHeadResult>();
        for (int r = 0; r < R; r++)
        {
            int count = totals[r].Sum();
            double Acc(int lh, int dir) => count == 0 ? double.NaN : (double)hits[r, lh, dir].Sum() / count;
            double[][] Matrix(int dir) =>
                Enumerable
                    .Range(0, L)
                    .Select(l => Enumerable.Range(0, H).Select(h => Acc(l * H + h, dir)).ToArray())
                    .ToArray();
            int bestOff = 0;
            for (int o = 1; o < nOff; o++)
                if (offHits[r, o] > offHits[r, bestOff])
                    bestOff = o;
            double baseAcc = count == 0 ? double.NaN : (double)offHits[r, bestOff] / count;
            if (count == 0)
            {
                results.Add(
                    new RelationHeadResult(
                        opt.Relations[r],
                        0,
                        "-",
                        -1,
                        -1,
                        AttentionDirection.DependentToHead,
                        double.NaN,
                        double.NaN,
                        double.NaN,
                        double.NaN,
                        double.NaN,
                        OffsetAt(bestOff, opt.MaxOffset),
                        baseAcc,
                        false,
                        false,
                        Matrix(0),
                        Matrix(1)
                    )
                );
                continue;
            }
            int best = 0,
                bestDir = 0;
            for (int lh = 0; lh < LH; lh++)
            for (int dir = 0; dir < 2; dir++)
                if (hits[r, lh, dir].Sum() > hits[r, best, bestDir].Sum())
                {
                    best = lh;
                    bestDir = dir;
                }
            double acc = Acc(best, bestDir);
            // Resample sentences; the percentile interval is widened to contain the point estimate.
            var ci = Bootstrap.Ratio(
                hits[r, best, bestDir].Zip(totals[r]).ToList(),
                opt.Resamples,
                opt.Seed + 7919 * r
            );
            double lo = double.IsNaN(ci.Lower) ? acc : Math.Min(acc, ci.Lower),
                hi = double.IsNaN(ci.Upper) ? acc : Math.Max(acc, ci.Upper);
            results.Add(
                new RelationHeadResult(
                    opt.Relations[r],
                    count,
                    HeadName.Format(best / H, best % H),
                    best / H,
                    best % H,
                    (AttentionDirection)bestDir,
                    acc,
                    lo,
                    hi,
                    Acc(best, 0),
                    Acc(best, 1),
                    OffsetAt(bestOff, opt.MaxOffset),
                    baseAcc,
                    acc > baseAcc,
                    lo > baseAcc,
                    Matrix(0),
                    Matrix(1)
                )
            );
        }
        return new DependencyHeadResult(opt, S, attention.Count - S, results);
    }

    /// <summary>Offset for baseline slot o: -max..-1, then 1..max.</summary>
    private static int OffsetAt(int o, int max) => o < max ? o - max : o - max + 1;

    /// <summary>Most-attended other word: along row <paramref name="d"/> (rows=false: what d attends to) or along column
    /// d (rows=true: who attends to d). -1 when every other weight is 0.</summary>
    private static int ArgMax(double[,] m, int d, bool rows)
    {
        int w = m.GetLength(0),
            best = -1;
        double bestV = 0;
        for (int j = 0; j < w; j++)
        {
            if (j == d)
                continue;
            double v = rows ? m[j, d] : m[d, j];
            if (v > bestV)
            {
                bestV = v;
                best = j;
            }
        }
        return best;
    }
}
