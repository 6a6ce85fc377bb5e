namespace Glassbox.Probing.Structural;

/// <summary>A two-sided confidence interval.</summary>
/// <param name="Low">Lower bound (2.5th percentile for a 95% interval).</param>
/// <param name="High">Upper bound (97.5th percentile).</param>
public sealed record ConfidenceInterval(double Low, double High)
{
    /// <summary>"[low, high]" with three decimals.</summary>
    public override string ToString() => $"[{Low:F3}, {High:F3}]";
}

/// <summary>Seeded percentile bootstrap over sentences for ratio metrics (sum of hits / sum of counts).</summary>
public static class Bootstrap
{
    /// <summary>
    /// 95% percentile interval of <c>Σ correct / Σ total</c> when the sentences are resampled with replacement
    /// <paramref name="resamples"/> times. NaN bounds when there are no sentences or no resamples.
    /// </summary>
    public static ConfidenceInterval RatioInterval(IReadOnlyList<(int Correct, int Total)> perSentence, int resamples, int seed, double level = 0.95)
    {
        int n = perSentence.Count;
        if (n == 0 || resamples <= 0) return new ConfidenceInterval(double.NaN, double.NaN);
        var rng = new Random(seed);
        var stats = new List<double>(resamples);
        for (int r = 0; r < resamples; r++)
        {
            long c = 0, t = 0;
            for (int k = 0; k < n; k++)
            {
                var s = perSentence[rng.Next(n)];
                c += s.Correct; t += s.Total;
            }
            if (t > 0) stats.Add((double)c / t);
        }
        if (stats.Count == 0) return new ConfidenceInterval(double.NaN, double.NaN);
        stats.Sort();
        double alpha = (1 - level) / 2;
        return new ConfidenceInterval(Percentile(stats, alpha), Percentile(stats, 1 - alpha));
    }

    /// <summary>Linear-interpolated percentile of sorted values, q in [0, 1].</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
