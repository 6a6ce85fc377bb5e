namespace Glassbox.Probing.Structural;

/// <summary>
/// Hewitt &amp; Manning (2019) evaluation metrics: UUAS (minimum spanning tree of the predicted distances against the
/// gold undirected edges, punctuation left out of both, micro-averaged over edges), DSpr (Spearman of each word's
/// predicted vs gold distances, averaged per sentence length, then over lengths 5-50), root accuracy (the
/// non-punctuation word of least predicted depth is the gold root) and NSpr (Spearman of predicted vs gold depth per
/// sentence, averaged per length, then over lengths 5-50).
/// </summary>
public static class StructuralMetrics
{
    /// <summary>Shortest sentence length that DSpr and NSpr average over.</summary>
    public const int MinSpearmanLength = 5;

    /// <summary>Longest sentence length that DSpr and NSpr average over.</summary>
    public const int MaxSpearmanLength = 50;

    /// <summary>Undirected gold edges as the paper's evaluation sees them: the minimum spanning tree of the gold
    /// distances over the non-punctuation words (the tree's own edges when no punctuation is inside it).</summary>
    public static IReadOnlyList<(int A, int B)> GoldEdges(int[,] goldDistances, bool[] isPunctuation) =>
        MinimumSpanningTree.Prim(goldDistances, Not(isPunctuation));

    /// <summary>UUAS counts of one sentence: predicted MST edges (non-punctuation words) that are gold edges, and the
    /// number of gold edges.</summary>
    public static (int Correct, int Total) UuasCounts(
        float[,] predictedDistances,
        int[,] goldDistances,
        bool[] isPunctuation
    )
    {
        var gold = GoldEdges(goldDistances, isPunctuation);
        var pred = MinimumSpanningTree.Prim(predictedDistances, Not(isPunctuation));
        return (CountShared(pred, gold), gold.Count);
    }

    /// <summary>Number of predicted undirected edges that are also in <paramref name="gold"/>.</summary>
    public static int CountShared(IReadOnlyList<(int A, int B)> predicted, IReadOnlyList<(int A, int B)> gold)
    {
        var set = new HashSet<(int, int)>(gold.Select(e => DependencyTree.Ordered(e.A, e.B)));
        return predicted.Count(e => set.Contains(DependencyTree.Ordered(e.A, e.B)));
    }

    /// <summary>Micro-averaged UUAS: total correct edges over total gold edges (NaN when there are none).</summary>
    public static double Uuas(IEnumerable<(int Correct, int Total)> perSentence)
    {
        long c = 0,
            t = 0;
        foreach (var (cc, tt) in perSentence)
        {
            c += cc;
            t += tt;
        }
        return t == 0 ? double.NaN : (double)c / t;
    }

    /// <summary>Spearman correlation of each word's row of predicted distances with its row of gold distances
    /// (all words, diagonal included, as in the paper's code); NaN for a constant row.</summary>
    public static double[] RowSpearmans(float[,] predictedDistances, int[,] goldDistances)
    {
        int n = goldDistances.GetLength(0);
        var result = new double[n];
        var p = new double[n];
        var g = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                p[j] = predictedDistances[i, j];
                g[j] = goldDistances[i, j];
            }
            result[i] = Spearman.Correlation(p, g);
        }
        return result;
    }

    /// <summary>Spearman correlation of predicted and gold depths in one sentence.</summary>
    public static double DepthSpearman(float[] predictedDepths, int[] goldDepths) =>
        Spearman.Correlation(
            predictedDepths.Select(v => (double)v).ToArray(),
            goldDepths.Select(v => (double)v).ToArray()
        );

    /// <summary>Whether the non-punctuation word of least predicted depth is the gold root; null when every word is
    /// punctuation.</summary>
    public static bool? RootCorrect(float[] predictedDepths, int[] heads, bool[] isPunctuation)
    {
        int best = PredictedRoot(predictedDepths, isPunctuation);
        return best < 0 ? null : heads[best] == 0;
    }

    /// <summary>0-based index of the non-punctuation word of least predicted depth (first on ties), -1 if none.</summary>
    public static int PredictedRoot(float[] predictedDepths, bool[] isPunctuation)
    {
        int best = -1;
        for (int i = 0; i < predictedDepths.Length; i++)
            if (!isPunctuation[i] && (best < 0 || predictedDepths[i] < predictedDepths[best]))
                best = i;
        return best;
    }

    /// <summary>
    /// Averages values within each sentence length, then over the lengths in
    /// [<see cref="MinSpearmanLength"/>, <see cref="MaxSpearmanLength"/>] (macro over lengths). NaN values are skipped;
    /// NaN when no length in range has a value.
    /// </summary>
    public static double LengthMacroAverage(IEnumerable<(int Length, double Value)> values)
    {
        var byLength = new SortedDictionary<int, (double Sum, int Count)>();
        foreach (var (len, v) in values)
        {
            if (len < MinSpearmanLength || len > MaxSpearmanLength || double.IsNaN(v))
                continue;
            byLength.TryGetValue(len, out var acc);
            byLength[len] = (acc.Sum + v, acc.Count + 1);
        }
        return byLength.Count == 0 ? double.NaN : byLength.Values.Average(a => a.Sum / a.Count);
    }

    internal static bool[] Not(bool[] flags) => flags.Select(f => !f).ToArray();
}
