// Why our own code: the t distribution comes from MathNet.Numerics; what is left here (sample moments, Welch's
// degrees of freedom, a seeded permutation loop, the Bonferroni and Holm step-downs) is a few exact lines, kept here
// so every analysis reports p-values the same way and permutations repeat with their seed.
using System.Globalization;
using MathNet.Numerics.Distributions;

namespace Glassbox.Statistics;

/// <summary>Result of a t-test.</summary>
/// <param name="T">t statistic (±∞ when the standard error is 0 and the means differ, NaN when they do not).</param>
/// <param name="DegreesOfFreedom">Degrees of freedom (Welch–Satterthwaite for two samples).</param>
/// <param name="P">Two-sided p-value.</param>
/// <param name="MeanDifference">Mean − μ (one sample) or mean(x) − mean(y) (two samples).</param>
/// <param name="CohensD">Effect size: the mean difference over the sample (one sample) or pooled (two samples) standard deviation.</param>
public sealed record TTestResult(double T, double DegreesOfFreedom, double P, double MeanDifference, double CohensD);

/// <summary>Result of a two-sample permutation test of the difference of means.</summary>
/// <param name="Difference">Observed mean(x) − mean(y).</param>
/// <param name="P">Two-sided p-value (1 + #{|permuted| ≥ |observed|}) / (1 + permutations).</param>
/// <param name="Permutations">Random relabellings drawn.</param>
/// <param name="Seed">Seed of the relabellings.</param>
public sealed record PermutationResult(double Difference, double P, int Permutations, int Seed);

/// <summary>Significance tests, effect sizes and multiple-comparison adjustments used by every analysis and report.</summary>
public static class Significance
{
    /// <summary>One-sample t-test of the mean of <paramref name="x"/> against <paramref name="mu"/>, two-sided.</summary>
    /// <exception cref="InputException">Fewer than 2 values, or a non-finite value.</exception>
    public static TTestResult OneSampleT(IReadOnlyList<double> x, double mu = 0)
    {
        CheckSample(x, "one-sample t-test", 2);
        if (!double.IsFinite(mu))
            throw new InputException("one-sample t-test: mu must be finite");
        var (m, v) = Moments(x);
        double diff = m - mu,
            sd = Math.Sqrt(v);
        double t = diff / (sd / Math.Sqrt(x.Count));
        int df = x.Count - 1;
        return new TTestResult(t, df, TwoSidedP(t, df), diff, diff / sd);
    }

    /// <summary>The mean of <paramref name="x"/> with its Student-t interval (for a few independent runs, e.g. seeds);
    /// a single value gives <see cref="Interval.PointOnly"/>.</summary>
    /// <exception cref="InputException">No values, a non-finite value or a level outside (0, 1).</exception>
    public static Interval MeanT(IReadOnlyList<double> x, double level = 0.95)
    {
        CheckSample(x, "t interval", 1);
        Bootstrap.CheckLevel(level);
        if (x.Count == 1)
            return Interval.PointOnly(x[0], level) with { Count = 1 };
        var (m, v) = Moments(x);
        double half = StudentT.InvCDF(0, 1, x.Count - 1, 0.5 + level / 2) * Math.Sqrt(v / x.Count);
        return new Interval(m, m - half, m + half, level, IntervalMethod.StudentT) { Count = x.Count };
    }

    /// <summary>Welch's two-sample t-test (unequal variances) of mean(x) − mean(y), two-sided.</summary>
    /// <exception cref="InputException">A sample with fewer than 2 values, or a non-finite value.</exception>
    public static TTestResult WelchT(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckSample(x, "Welch t-test (x)", 2);
        CheckSample(y, "Welch t-test (y)", 2);
        var (mx, vx) = Moments(x);
        var (my, vy) = Moments(y);
        double ax = vx / x.Count,
            ay = vy / y.Count,
            diff = mx - my;
        double t = diff / Math.Sqrt(ax + ay);
        double df = (ax + ay) * (ax + ay) / (ax * ax / (x.Count - 1) + ay * ay / (y.Count - 1));
        return new TTestResult(t, df, TwoSidedP(t, df), diff, CohensD(x, y));
    }

    /// <summary>Is one new value <paramref name="x"/> drawn from the population of <paramref name="sample"/>? The
    /// prediction-interval t-test: t = (x − mean) / (sd·√(1 + 1/n)) with n − 1 degrees of freedom, two-sided. Cohen's d
    /// here is (x − mean) / sd. A constant sample gives t = 0 (p = 1) when x equals it and ±∞ (p = 0) otherwise.</summary>
    /// <exception cref="InputException">A sample with fewer than 2 values, or a non-finite value.</exception>
    public static TTestResult PredictionT(double x, IReadOnlyList<double> sample)
    {
        CheckSample(sample, "prediction t-test", 2);
        CheckSample(new[] { x }, "prediction t-test (value)", 1);
        var (m, v) = Moments(sample);
        double sd = Math.Sqrt(v),
            diff = x - m;
        int df = sample.Count - 1;
        if (sd == 0)
            return diff == 0
                ? new TTestResult(0, df, 1, 0, 0)
                : new TTestResult(
                    diff > 0 ? double.PositiveInfinity : double.NegativeInfinity,
                    df,
                    0,
                    diff,
                    diff > 0 ? double.PositiveInfinity : double.NegativeInfinity
                );
        double t = diff / (sd * Math.Sqrt(1 + 1.0 / sample.Count));
        return new TTestResult(t, df, TwoSidedP(t, df), diff, diff / sd);
    }

    /// <summary>Cohen's d of two samples: (mean(x) − mean(y)) / pooled standard deviation.</summary>
    /// <exception cref="InputException">A sample with fewer than 2 values, or a non-finite value.</exception>
    public static double CohensD(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckSample(x, "Cohen's d (x)", 2);
        CheckSample(y, "Cohen's d (y)", 2);
        var (mx, vx) = Moments(x);
        var (my, vy) = Moments(y);
        double pooled = ((x.Count - 1) * vx + (y.Count - 1) * vy) / (x.Count + y.Count - 2);
        return (mx - my) / Math.Sqrt(pooled);
    }

    /// <summary>Permutation test of mean(x) − mean(y): the pooled values are randomly relabelled
    /// <paramref name="permutations"/> times (Fisher–Yates with one <see cref="Random"/> from <paramref name="seed"/>),
    /// and the p-value counts relabellings at least as extreme, with the +1 correction so it is never 0. Ties within
    /// 1e-12 (relative) of the observed difference count as extreme.</summary>
    /// <exception cref="InputException">An empty sample, a non-finite value, or fewer than 1 permutation.</exception>
    public static PermutationResult Permutation(
        IReadOnlyList<double> x,
        IReadOnlyList<double> y,
        int permutations = 10000,
        int seed = 0
    )
    {
        CheckSample(x, "permutation test (x)", 1);
        CheckSample(y, "permutation test (y)", 1);
        if (permutations < 1)
            throw new InputException(
                $"permutation test: permutations must be at least 1, got {permutations.ToString(CultureInfo.InvariantCulture)}"
            );
        var pool = x.Concat(y).ToArray();
        int nx = x.Count,
            ny = y.Count;
        double total = pool.Sum();
        double Difference(double sumX) => sumX / nx - (total - sumX) / ny;
        double observed = Difference(x.Sum()),
            threshold = Math.Abs(observed) * (1 - 1e-12);
        var rng = new Random(seed);
        int extreme = 0;
        for (int b = 0; b < permutations; b++)
        {
            for (int i = pool.Length - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (pool[i], pool[j]) = (pool[j], pool[i]);
            }
            double sx = 0;
            for (int i = 0; i < nx; i++)
                sx += pool[i];
            if (Math.Abs(Difference(sx)) >= threshold)
                extreme++;
        }
        return new PermutationResult(observed, (extreme + 1.0) / (permutations + 1.0), permutations, seed);
    }

    /// <summary>Bonferroni-adjusted p-values: min(1, m·p), in input order.</summary>
    /// <exception cref="InputException">A p-value outside [0, 1] or NaN.</exception>
    public static double[] Bonferroni(IReadOnlyList<double> p)
    {
        CheckP(p);
        return p.Select(v => Math.Min(1, v * p.Count)).ToArray();
    }

    /// <summary>Holm's step-down adjusted p-values (controls the family-wise error like Bonferroni, more power), in input
    /// order: sorted ascending, p₍ᵢ₎ is multiplied by m − i (i from 0), capped at 1 and made non-decreasing.</summary>
    /// <exception cref="InputException">A p-value outside [0, 1] or NaN.</exception>
    public static double[] Holm(IReadOnlyList<double> p)
    {
        CheckP(p);
        int m = p.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => p[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        double running = 0;
        for (int k = 0; k < m; k++)
        {
            running = Math.Max(running, Math.Min(1, (m - k) * p[order[k]]));
            adjusted[order[k]] = running;
        }
        return adjusted;
    }

    /// <summary>Throws unless <paramref name="sample"/> has at least <paramref name="min"/> values, all finite.</summary>
    internal static void CheckSample(IReadOnlyList<double> sample, string what, int min)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.Count < min)
            throw new InputException(
                sample.Count == 0
                    ? $"{what}: the sample is empty"
                    : $"{what}: needs at least {min.ToString(CultureInfo.InvariantCulture)} values, got {sample.Count.ToString(CultureInfo.InvariantCulture)}"
            );
        for (int i = 0; i < sample.Count; i++)
            if (!double.IsFinite(sample[i]))
                throw new InputException(
                    $"{what}: value {i.ToString(CultureInfo.InvariantCulture)} is {sample[i].ToString(CultureInfo.InvariantCulture)}; values must be finite"
                );
    }

    private static void CheckP(IReadOnlyList<double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        for (int i = 0; i < p.Count; i++)
            if (!(p[i] >= 0 && p[i] <= 1))
                throw new InputException(
                    $"p-value {i.ToString(CultureInfo.InvariantCulture)} is {p[i].ToString(CultureInfo.InvariantCulture)}; p-values must be in [0, 1]"
                );
    }

    /// <summary>Mean and unbiased (n − 1) variance, two-pass.</summary>
    private static (double Mean, double Variance) Moments(IReadOnlyList<double> x)
    {
        double mean = x.Average(),
            ss = 0;
        foreach (double v in x)
            ss += (v - mean) * (v - mean);
        return (mean, ss / (x.Count - 1));
    }

    private static double TwoSidedP(double t, double df) =>
        double.IsNaN(t) ? double.NaN
        : double.IsInfinity(t) ? 0
        : double.IsNaN(df) ? double.NaN
        : Math.Min(1, 2 * StudentT.CDF(0, 1, df, -Math.Abs(t)));
}
