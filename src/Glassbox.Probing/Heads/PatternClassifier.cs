using Glassbox.Views;

namespace Glassbox.Probing.Heads;

/// <summary>Kovaleva et al. (2019) classes of self-attention maps.</summary>
public enum AttentionPattern
{
    /// <summary>Most mass on the first and last tokens ([CLS]/[SEP], or the first and last words).</summary>
    Vertical,

    /// <summary>Most mass on the previous token, the token itself and the next token.</summary>
    Diagonal,

    /// <summary>Most mass on nearby tokens beyond the diagonal band (single sentences), or inside the query's own
    /// segment (sentence pairs).</summary>
    Block,

    /// <summary>None of the above.</summary>
    Heterogeneous,
}

/// <summary>Thresholds of the rule-based pattern classifier (see <see cref="PatternClassifier"/>).</summary>
public sealed record PatternClassOptions
{
    /// <summary>Minimum vertical mass for the vertical class.</summary>
    public double VerticalThreshold { get; init; } = 0.5;

    /// <summary>Minimum diagonal mass for the diagonal class.</summary>
    public double DiagonalThreshold { get; init; } = 0.5;

    /// <summary>Minimum block mass for the block class.</summary>
    public double BlockThreshold { get; init; } = 0.5;

    /// <summary>Single sentences: block mass counts keys at distance 2..BlockWindow from the query.</summary>
    public int BlockWindow { get; init; } = 3;
}

/// <summary>The three masses of one map (or their averages), each in [0, 1]; they never overlap, so they sum to at most 1.</summary>
/// <param name="Vertical">Mean attention to the first and last tokens.</param>
/// <param name="Diagonal">Mean attention to offsets -1, 0, +1, not counting the first and last tokens.</param>
/// <param name="Block">Mean attention to keys at distance 2..window (or, with segments, anywhere in the query's
/// segment at distance 2 or more), not counting the first and last tokens.</param>
public sealed record PatternFeatures(double Vertical, double Diagonal, double Block);

/// <summary>A transparent rule-based stand-in for Kovaleva et al.'s CNN classifier (trained on 400 hand-labelled maps,
/// which we do not have). Each map gets three disjoint masses (<see cref="PatternFeatures"/>), averaged over its query
/// rows. The class is the one whose mass is largest, provided that mass reaches its threshold
/// (<see cref="PatternClassOptions"/>, 0.5 by default: "most of the mass"); otherwise the map is heterogeneous.
/// A head's class is that of its features averaged over all sentences.</summary>
public static class PatternClassifier
{
    /// <summary>The features of map (layer, head) of <paramref name="s"/>.</summary>
    public static PatternFeatures Features(
        SentenceAttention s,
        int layer,
        int head,
        PatternClassOptions? options = null
    )
    {
        var opt = options ?? new PatternClassOptions();
        int n = s.Length,
            o = s.Offset(layer, head);
        var seg = s.Roles.Segments;
        double v = 0,
            d = 0,
            b = 0;
        for (int q = 0; q < n; q++)
        {
            int row = o + q * n;
            for (int k = 0; k < n; k++)
            {
                double a = s.Pattern[row + k];
                int dist = Math.Abs(k - q);
                if (k == 0 || k == n - 1)
                    v += a;
                else if (dist <= 1)
                    d += a;
                else if (seg is null ? dist <= opt.BlockWindow : seg[k] == seg[q])
                    b += a;
            }
        }
        return new PatternFeatures(v / n, d / n, b / n);
    }

    /// <summary>The class of a set of features under the rule.</summary>
    public static AttentionPattern Classify(PatternFeatures f, PatternClassOptions? options = null)
    {
        var opt = options ?? new PatternClassOptions();
        var (cls, mass, threshold) = new[]
        {
            (AttentionPattern.Vertical, f.Vertical, opt.VerticalThreshold),
            (AttentionPattern.Diagonal, f.Diagonal, opt.DiagonalThreshold),
            (AttentionPattern.Block, f.Block, opt.BlockThreshold),
        }.MaxBy(x => x.Item2);
        return mass >= threshold ? cls : AttentionPattern.Heterogeneous;
    }

    /// <summary>Classifies every head over a set of inputs.</summary>
    /// <exception cref="InputException">No inputs.</exception>
    public static PatternClassResult ClassifyHeads(
        IReadOnlyList<SentenceAttention> sentences,
        PatternClassOptions? options = null
    )
    {
        var opt = options ?? new PatternClassOptions();
        if (sentences.Count == 0)
            throw new InputException("pattern classification needs at least one sentence");
        int L = sentences[0].Layers,
            H = sentences[0].Heads;
        var sum = new double[L, H, 3];
        var mapCounts = new int[4];
        foreach (var s in sentences)
            for (int l = 0; l < L; l++)
            for (int h = 0; h < H; h++)
            {
                var f = Features(s, l, h, opt);
                sum[l, h, 0] += f.Vertical;
                sum[l, h, 1] += f.Diagonal;
                sum[l, h, 2] += f.Block;
                mapCounts[(int)Classify(f, opt)]++;
            }
        int S = sentences.Count;
        var features = Enumerable
            .Range(0, L)
            .Select(l =>
                Enumerable
                    .Range(0, H)
                    .Select(h => new PatternFeatures(sum[l, h, 0] / S, sum[l, h, 1] / S, sum[l, h, 2] / S))
                    .ToArray()
            )
            .ToArray();
        var labels = features.Select(row => row.Select(f => Classify(f, opt)).ToArray()).ToArray();
        var classes = Enum.GetValues<AttentionPattern>();
        var headFraction = classes.ToDictionary(
            c => c,
            c => (double)labels.Sum(row => row.Count(x => x == c)) / (L * H)
        );
        var layerFraction = labels
            .Select(row => classes.ToDictionary(c => c, c => (double)row.Count(x => x == c) / H))
            .ToArray();
        int maps = mapCounts.Sum();
        var mapFraction = classes.ToDictionary(c => c, c => (double)mapCounts[(int)c] / maps);
        return new PatternClassResult(opt, S, labels, features, headFraction, layerFraction, mapFraction);
    }
}

/// <summary>Result of <see cref="PatternClassifier.ClassifyHeads"/>.</summary>
/// <param name="Options">Thresholds used.</param>
/// <param name="Sentences">Inputs classified.</param>
/// <param name="Labels">Each head's class [layer][head] (from its averaged features).</param>
/// <param name="Features">Each head's averaged features [layer][head].</param>
/// <param name="HeadFraction">Fraction of heads in each class.</param>
/// <param name="LayerFraction">Per layer, fraction of its heads in each class.</param>
/// <param name="MapFraction">Fraction of single (sentence, head) maps in each class (Kovaleva's statistic).</param>
public sealed record PatternClassResult(
    PatternClassOptions Options,
    int Sentences,
    AttentionPattern[][] Labels,
    PatternFeatures[][] Features,
    IReadOnlyDictionary<AttentionPattern, double> HeadFraction,
    IReadOnlyDictionary<AttentionPattern, double>[] LayerFraction,
    IReadOnlyDictionary<AttentionPattern, double> MapFraction
);
