namespace Glassbox.Probing.Structural;

/// <summary>Spearman rank correlation with average ranks for ties (Pearson correlation of the ranks).</summary>
public static class Spearman
{
    /// <summary>Ranks 1..n; tied values share the average of the ranks they span.</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        int n = values.Count;
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
        var ranks = new double[n];
        for (int i = 0; i < n; )
        {
            int j = i;
            while (j + 1 < n && values[order[j + 1]].CompareTo(values[order[i]]) == 0)
                j++;
            double r = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++)
                ranks[order[k]] = r;
            i = j + 1;
        }
        return ranks;
    }

    /// <summary>Spearman's rho of two equally long samples; NaN when either is constant or shorter than 2.</summary>
    public static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count)
            throw new GlassboxException($"Spearman: samples of length {x.Count} and {y.Count}");
        if (x.Count < 2)
            return double.NaN;
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>Pearson correlation; NaN when either sample has zero variance (<see cref="Statistics.Correlation"/>).</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        Statistics.Correlation.Pearson(x, y);
}
