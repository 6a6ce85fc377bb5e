namespace Glassbox.Probing;

/// <summary>A proportion (accuracy, precision@k) with its count and a 95% bootstrap interval.</summary>
/// <param name="Value">Point estimate in [0, 1].</param>
/// <param name="Lower">Lower end of the 95% interval (2.5th percentile, never above <paramref name="Value"/>).</param>
/// <param name="Upper">Upper end of the 95% interval (97.5th percentile, never below <paramref name="Value"/>).</param>
/// <param name="Count">Number of items the proportion is over.</param>
public sealed record Proportion(double Value, double Lower, double Upper, int Count);

/// <summary>Seeded percentile bootstrap for proportions of binary outcomes, resampling within strata.</summary>
public static class Bootstrap
{
    /// <summary>Default number of resamples.</summary>
    public const int DefaultResamples = 1000;

    /// <summary>The pooled proportion of true outcomes with a 95% percentile interval. Each stratum (e.g. a
    /// phenomenon) is resampled with replacement on its own, keeping its size, so strata keep their weights.
    /// The same <paramref name="seed"/> and <paramref name="name"/> give the same interval.</summary>
    /// <param name="strata">Outcomes per stratum.</param>
    /// <param name="resamples">Number of resamples (at least 1).</param>
    /// <param name="seed">Seed.</param>
    /// <param name="name">Mixed into the seed (stably) so different statistics do not share one random stream.</param>
    public static Proportion Proportion(IReadOnlyList<IReadOnlyList<bool>> strata, int resamples = DefaultResamples, int seed = 0, string name = "")
    {
        int n = strata.Sum(s => s.Count);
        if (n == 0) return new Proportion(double.NaN, double.NaN, double.NaN, 0);
        double value = (double)strata.Sum(s => s.Count(x => x)) / n;
        if (resamples < 1) return new Proportion(value, value, value, n);
        var rng = new Random(unchecked(seed * 16777619 ^ StableHash(name)));
        var stats = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            int hits = 0;
            foreach (var s in strata)
                for (int i = 0; i < s.Count; i++)
                    if (s[rng.Next(s.Count)]) hits++;
            stats[r] = (double)hits / n;
        }
        Array.Sort(stats);
        double lo = Percentile(stats, 0.025), hi = Percentile(stats, 0.975);
        return new Proportion(value, Math.Min(lo, value), Math.Max(hi, value), n);
    }

    /// <summary>One stratum.</summary>
    public static Proportion Proportion(IReadOnlyList<bool> outcomes, int resamples = DefaultResamples, int seed = 0, string name = "") =>
        Proportion(new[] { outcomes }, resamples, seed, name);

    private static double Percentile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        int j = Math.Min(i + 1, sorted.Length - 1);
        return sorted[i] + (pos - i) * (sorted[j] - sorted[i]);
    }

    /// <summary>FNV-1a over the UTF-16 code units (string.GetHashCode is randomised per process).</summary>
    internal static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) { h ^= c; h *= 16777619; }
        return unchecked((int)h);
    }
}
