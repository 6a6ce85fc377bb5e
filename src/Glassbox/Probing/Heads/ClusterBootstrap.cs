namespace Glassbox.Probing.Heads;

/// <summary>Percentile bootstrap of a pooled ratio (hits / items) that resamples whole sentences (clusters) with
/// replacement, so words of one sentence stay together.</summary>
public static class ClusterBootstrap
{
    /// <summary>The 95% percentile interval of sum(hits)/sum(totals) over resampled clusters; (NaN, NaN) when there
    /// are no items. The same seed gives the same interval.</summary>
    /// <param name="hits">Hits per cluster.</param>
    /// <param name="totals">Items per cluster (same length).</param>
    /// <param name="resamples">Number of resamples; below 1 the interval collapses to the point estimate.</param>
    /// <param name="seed">Seed.</param>
    public static (double Lower, double Upper) Interval(IReadOnlyList<int> hits, IReadOnlyList<int> totals, int resamples, int seed)
    {
        if (hits.Count != totals.Count) throw new ArgumentException("hits and totals differ in length");
        long all = totals.Sum(t => (long)t);
        if (all == 0) return (double.NaN, double.NaN);
        double value = (double)hits.Sum(h => (long)h) / all;
        if (resamples < 1) return (value, value);
        var rng = new Random(seed);
        var stats = new List<double>(resamples);
        int m = hits.Count;
        for (int r = 0; r < resamples; r++)
        {
            long h = 0, t = 0;
            for (int i = 0; i < m; i++) { int j = rng.Next(m); h += hits[j]; t += totals[j]; }
            if (t > 0) stats.Add((double)h / t);
        }
        stats.Sort();
        if (stats.Count == 0) return (value, value);
        return (Math.Min(value, Percentile(stats, 0.025)), Math.Max(value, Percentile(stats, 0.975)));
    }

    private static double Percentile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int i = (int)Math.Floor(pos), j = Math.Min(i + 1, sorted.Count - 1);
        return sorted[i] + (pos - i) * (sorted[j] - sorted[i]);
    }
}
