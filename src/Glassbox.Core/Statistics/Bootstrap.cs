// Why our own code: no well-kept .NET package offers a seeded bootstrap over resampling units with a user statistic,
// and Glassbox's published intervals depend on the exact resample order (one System.Random(seed), draws per stratum
// in order). The BCa correction is a few exact lines over the replicates and a jackknife; the normal CDF and
// quantile come from MathNet.Numerics.
using System.Globalization;
using MathNet.Numerics.Distributions;

namespace Glassbox.Statistics;

/// <summary>The one bootstrap of Glassbox: seeded resampling of units (items, sentences, clusters), optionally within
/// strata, with percentile and BCa intervals of a user statistic. Each call owns a <see cref="Random"/> made from its
/// seed, so the same inputs and seed give the same interval. Draw order: for each resample, for each stratum in
/// order, <c>size</c> draws of <c>Next(size)</c>.</summary>
public static class Bootstrap
{
    /// <summary>Default number of resamples.</summary>
    public const int DefaultResamples = 1000;

    /// <summary>Mixes a name into a seed (FNV-1a of the name, stable across processes) so different statistics of
    /// one run do not share a random stream.</summary>
    public static int Seed(int seed, string name) => unchecked(seed * 16777619 ^ StableHash(name));

    /// <summary>Percentile interval of <paramref name="statistic"/> over <paramref name="units"/> units resampled with
    /// replacement. The statistic receives the drawn unit indices (the array is reused between calls; read it, do
    /// not keep it). Replicates where the statistic is NaN are dropped. Zero resamples give
    /// <see cref="Interval.PointOnly"/>.</summary>
    /// <exception cref="InputException">No units, negative resamples or a level outside (0, 1).</exception>
    public static Interval Percentile(
        int units,
        Func<int[], double> statistic,
        int resamples = DefaultResamples,
        int seed = 0,
        double level = 0.95
    ) => Compute(new[] { units }, statistic, resamples, seed, level, IntervalMethod.Percentile);

    /// <summary>Percentile interval with units resampled within strata: stratum <c>k</c> holds the units numbered
    /// after those of strata 0..k−1 and keeps its size, so strata keep their weights.</summary>
    /// <exception cref="InputException">No units, negative resamples or a level outside (0, 1).</exception>
    public static Interval Percentile(
        IReadOnlyList<int> strataSizes,
        Func<int[], double> statistic,
        int resamples = DefaultResamples,
        int seed = 0,
        double level = 0.95
    ) => Compute(strataSizes, statistic, resamples, seed, level, IntervalMethod.Percentile);

    /// <summary>BCa (bias-corrected and accelerated) interval over <paramref name="units"/> units: the percentile
    /// levels are shifted by the bias <c>z0 = Φ⁻¹(#{θ* &lt; θ̂}/B)</c> and the jackknife acceleration <c>a</c>.
    /// Bounds are NaN when every replicate lies on one side of the estimate.</summary>
    /// <exception cref="InputException">No units, negative resamples or a level outside (0, 1).</exception>
    public static Interval Bca(
        int units,
        Func<int[], double> statistic,
        int resamples = DefaultResamples,
        int seed = 0,
        double level = 0.95
    ) => Compute(new[] { units }, statistic, resamples, seed, level, IntervalMethod.Bca);

    /// <summary>Percentile interval of a statistic of a sample of values (each value is a unit).</summary>
    /// <exception cref="InputException">Empty sample, a non-finite value, negative resamples or a level outside (0, 1).</exception>
    public static Interval Percentile(
        IReadOnlyList<double> sample,
        Func<double[], double> statistic,
        int resamples = DefaultResamples,
        int seed = 0,
        double level = 0.95
    ) => OfSample(sample, statistic, resamples, seed, level, IntervalMethod.Percentile);

    /// <summary>BCa interval of a statistic of a sample of values (each value is a unit).</summary>
    /// <exception cref="InputException">Empty sample, a non-finite value, negative resamples or a level outside (0, 1).</exception>
    public static Interval Bca(
        IReadOnlyList<double> sample,
        Func<double[], double> statistic,
        int resamples = DefaultResamples,
        int seed = 0,
        double level = 0.95
    ) => OfSample(sample, statistic, resamples, seed, level, IntervalMethod.Bca);

    /// <summary>Cluster bootstrap: whole clusters of rows (e.g. the words of one sentence) are resampled, and
    /// <paramref name="rowStatistic"/> sees the rows of the drawn clusters, concatenated.</summary>
    /// <exception cref="InputException">No clusters, negative resamples or a level outside (0, 1).</exception>
    public static Interval Clustered(
        IReadOnlyList<int[]> clusters,
        Func<int[], double> rowStatistic,
        int resamples = DefaultResamples,
        int seed = 0,
        double level = 0.95,
        IntervalMethod method = IntervalMethod.Percentile
    )
    {
        var rows = new List<int>();
        return Compute(
            new[] { clusters.Count },
            drawn =>
            {
                rows.Clear();
                foreach (int u in drawn)
                    rows.AddRange(clusters[u]);
                return rowStatistic(rows.ToArray());
            },
            resamples,
            seed,
            level,
            method
        );
    }

    /// <summary>Clusters of rows <c>0..n−1</c> by their group id, in order of first appearance.</summary>
    public static int[][] ClustersOf(IReadOnlyList<int> groupOfRow) =>
        Enumerable.Range(0, groupOfRow.Count).GroupBy(r => groupOfRow[r]).Select(g => g.ToArray()).ToArray();

    /// <summary>Percentile interval of the ratio of sums <c>Σ numerator / Σ denominator</c> (e.g. correct edges over
    /// edges) when units (sentences) are resampled; resamples with a zero denominator are dropped.</summary>
    /// <exception cref="InputException">No units, negative resamples or a level outside (0, 1).</exception>
    public static Interval Ratio(
        IReadOnlyList<(int Numerator, int Denominator)> units,
        int resamples = DefaultResamples,
        int seed = 0,
        double level = 0.95
    ) =>
        Compute(
            new[] { units.Count },
            drawn =>
            {
                long c = 0,
                    t = 0;
                foreach (int u in drawn)
                {
                    c += units[u].Numerator;
                    t += units[u].Denominator;
                }
                return t > 0 ? (double)c / t : double.NaN;
            },
            resamples,
            seed,
            level,
            IntervalMethod.Percentile
        );

    /// <summary>The pooled proportion of true outcomes with a percentile interval, each stratum (e.g. a phenomenon)
    /// resampled on its own. The interval is widened to contain the estimate, and <see cref="Interval.Count"/> is
    /// the number of outcomes. The seed is mixed with <paramref name="name"/> (see <see cref="Seed"/>).</summary>
    /// <exception cref="InputException">No outcomes, negative resamples or a level outside (0, 1).</exception>
    public static Interval Proportion(
        IReadOnlyList<IReadOnlyList<bool>> strata,
        int resamples = DefaultResamples,
        int seed = 0,
        string name = "",
        double level = 0.95
    )
    {
        var flat = strata.SelectMany(s => s).ToArray();
        var interval = Compute(
            strata.Select(s => s.Count).ToArray(),
            drawn =>
            {
                int hits = 0;
                foreach (int u in drawn)
                    if (flat[u])
                        hits++;
                return (double)hits / drawn.Length;
            },
            resamples,
            Seed(seed, name),
            level,
            IntervalMethod.Percentile
        );
        return interval.ContainingValue() with { Count = flat.Length };
    }

    /// <summary>One stratum of outcomes.</summary>
    /// <exception cref="InputException">No outcomes, negative resamples or a level outside (0, 1).</exception>
    public static Interval Proportion(
        IReadOnlyList<bool> outcomes,
        int resamples = DefaultResamples,
        int seed = 0,
        string name = "",
        double level = 0.95
    ) => Proportion(new[] { outcomes }, resamples, seed, name, level);

    /// <summary>The bootstrap replicates of <paramref name="statistic"/>, in resample order (NaN ones included).</summary>
    /// <exception cref="InputException">No units or negative resamples.</exception>
    public static double[] Replicates(
        IReadOnlyList<int> strataSizes,
        Func<int[], double> statistic,
        int resamples,
        int seed
    )
    {
        int n = CheckUnits(strataSizes);
        if (resamples < 0)
            throw new InputException(
                $"bootstrap: resamples must be 0 or more, got {resamples.ToString(CultureInfo.InvariantCulture)}"
            );
        var rng = new Random(seed);
        var drawn = new int[n];
        var stats = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            int k = 0,
                offset = 0;
            foreach (int size in strataSizes)
            {
                for (int i = 0; i < size; i++)
                    drawn[k++] = offset + rng.Next(size);
                offset += size;
            }
            stats[b] = statistic(drawn);
        }
        return stats;
    }

    /// <summary>Linearly interpolated quantile of ascending values (the default of NumPy and R type 7), q in [0, 1].</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0 || double.IsNaN(q))
            return double.NaN;
        double pos = Math.Clamp(q, 0, 1) * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos),
            hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>Throws unless <paramref name="level"/> is a confidence level in the open interval (0, 1).</summary>
    /// <exception cref="InputException">The level is outside (0, 1) or NaN.</exception>
    public static void CheckLevel(double level)
    {
        if (!(level > 0 && level < 1))
            throw new InputException(
                $"confidence level must be in (0, 1), got {level.ToString(CultureInfo.InvariantCulture)}"
            );
    }

    private static Interval OfSample(
        IReadOnlyList<double> sample,
        Func<double[], double> statistic,
        int resamples,
        int seed,
        double level,
        IntervalMethod method
    )
    {
        Significance.CheckSample(sample, "bootstrap sample", 1);
        var full = new double[sample.Count];
        double[]? jackknife = null;
        return Compute(
            new[] { sample.Count },
            drawn =>
            {
                var values = drawn.Length == full.Length ? full : jackknife ??= new double[drawn.Length];
                for (int i = 0; i < drawn.Length; i++)
                    values[i] = sample[drawn[i]];
                return statistic(values);
            },
            resamples,
            seed,
            level,
            method
        );
    }

    private static Interval Compute(
        IReadOnlyList<int> strataSizes,
        Func<int[], double> statistic,
        int resamples,
        int seed,
        double level,
        IntervalMethod method
    )
    {
        CheckLevel(level);
        int n = CheckUnits(strataSizes);
        if (resamples < 0)
            throw new InputException(
                $"bootstrap: resamples must be 0 or more, got {resamples.ToString(CultureInfo.InvariantCulture)}"
            );
        double point = statistic(Enumerable.Range(0, n).ToArray());
        if (resamples == 0)
            return Interval.PointOnly(point, level);
        var stats = Replicates(strataSizes, statistic, resamples, seed).Where(v => !double.IsNaN(v)).ToArray();
        if (stats.Length == 0)
            return Interval.PointOnly(point, level) with { Method = method };
        Array.Sort(stats);
        double alpha = (1 - level) / 2;
        if (method != IntervalMethod.Bca)
            return new Interval(point, Quantile(stats, alpha), Quantile(stats, 1 - alpha), level, method);
        var (lo, hi) = BcaLevels(stats, point, Acceleration(n, statistic), alpha);
        return new Interval(point, Quantile(stats, lo), Quantile(stats, hi), level, IntervalMethod.Bca);
    }

    /// <summary>BCa quantile levels (Efron and Tibshirani 1993, eq. 14.10): α₁ = Φ(z0 + (z0 + z_α)/(1 − a(z0 + z_α))).</summary>
    private static (double Lo, double Hi) BcaLevels(double[] sorted, double point, double a, double alpha)
    {
        if (sorted[0] == sorted[^1])
            return (0.5, 0.5); // every replicate equal: the interval is that value
        double below = sorted.Count(v => v < point) / (double)sorted.Length;
        if (below <= 0 || below >= 1)
            return (double.NaN, double.NaN);
        double z0 = Normal.InvCDF(0, 1, below);
        double Adjust(double q)
        {
            double z = z0 + Normal.InvCDF(0, 1, q);
            return Normal.CDF(0, 1, z0 + z / (1 - a * z));
        }
        return (Adjust(alpha), Adjust(1 - alpha));
    }

    /// <summary>Jackknife acceleration a = Σ(θ̄ − θ₍ᵢ₎)³ / (6 (Σ(θ̄ − θ₍ᵢ₎)²)^{3/2}) over leave-one-unit-out estimates.</summary>
    private static double Acceleration(int n, Func<int[], double> statistic)
    {
        if (n < 2)
            return 0;
        var jack = new double[n];
        var rest = new int[n - 1];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0, k = 0; j < n; j++)
                if (j != i)
                    rest[k++] = j;
            jack[i] = statistic(rest);
        }
        double mean = jack.Average(),
            num = 0,
            den = 0;
        foreach (double t in jack)
        {
            double d = mean - t;
            num += d * d * d;
            den += d * d;
        }
        return den == 0 || double.IsNaN(den) ? 0 : num / (6 * Math.Pow(den, 1.5));
    }

    private static int CheckUnits(IReadOnlyList<int> strataSizes)
    {
        int n = 0;
        foreach (int s in strataSizes)
        {
            if (s < 0)
                throw new InputException(
                    $"bootstrap: stratum size {s.ToString(CultureInfo.InvariantCulture)} is negative"
                );
            n += s;
        }
        if (n == 0)
            throw new InputException("bootstrap: the sample is empty");
        return n;
    }

    /// <summary>FNV-1a over the UTF-16 code units (string.GetHashCode is randomised per process).</summary>
    internal static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s)
        {
            h ^= c;
            h *= 16777619;
        }
        return unchecked((int)h);
    }
}
