using System.Globalization;
using Glassbox.Statistics;
using MathNet.Numerics.Distributions;

namespace Glassbox.Tests.Statistics;

public class BootstrapTests
{
    private static readonly double[] Skewed = { 0.1, 0.2, 0.2, 0.3, 0.5, 0.6, 0.9, 1.4, 2.2, 3.9, 6.5, 11.0 };

    [Fact]
    public void Should_interpolate_quantiles_linearly_like_numpy()
    {
        var sorted = new[] { 1.0, 2, 3, 4, 5 };
        Assert.Equal(2.0, Bootstrap.Quantile(sorted, 0.25), 12);
        Assert.Equal(1.4, Bootstrap.Quantile(sorted, 0.1), 12);
        Assert.Equal(5.0, Bootstrap.Quantile(sorted, 1), 12);
        Assert.True(double.IsNaN(Bootstrap.Quantile(Array.Empty<double>(), 0.5)));
    }

    [Fact]
    public void Should_give_the_percentile_interval_of_the_seeded_replicates()
    {
        var sample = new[] { 3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7 };
        var ci = Bootstrap.Percentile(sample, v => v.Average(), 400, seed: 11, level: 0.9);

        // Reference: one Random(seed), n draws of Next(n) per resample, linear quantiles at 5% and 95%.
        var rng = new Random(11);
        var reps = new double[400];
        for (int b = 0; b < reps.Length; b++)
            reps[b] = Enumerable.Range(0, sample.Length).Select(_ => sample[rng.Next(sample.Length)]).Average();
        Array.Sort(reps);
        Assert.Equal(sample.Average(), ci.Value, 12);
        Assert.Equal(Linear(reps, 0.05), ci.Lower, 12);
        Assert.Equal(Linear(reps, 0.95), ci.Upper, 12);
        Assert.Equal(0.9, ci.Level);
        Assert.Equal(IntervalMethod.Percentile, ci.Method);
    }

    [Fact]
    public void Should_keep_stratum_sizes_when_resampling_within_strata()
    {
        var strata = new IReadOnlyList<bool>[]
        {
            Enumerable.Repeat(true, 10).ToList(),
            Enumerable.Repeat(false, 10).ToList(),
        };
        var p = Bootstrap.Proportion(strata, 200, seed: 1);
        Assert.Equal(new Interval(0.5, 0.5, 0.5) { Count = 20 }, p);
    }

    [Fact]
    public void Should_reproduce_the_intervals_of_the_earlier_probing_bootstraps()
    {
        // Pinned from the implementations this one replaced (Probing.Bootstrap.Proportion, Structural.Bootstrap.RatioInterval).
        var counts = Enumerable.Range(0, 50).Select(i => (i % 4 == 0 ? 1 : 3, 4)).ToList();
        var ratio = Bootstrap.Ratio(counts, 1000, 3);
        Assert.Equal(0.56, ratio.Lower, 12);
        Assert.Equal(0.68, ratio.Upper, 12);
        Assert.Equal(124.0 / 200, ratio.Value, 12);
        var outcomes = Enumerable.Range(0, 40).Select(i => i % 3 != 0).ToList();
        var p = Bootstrap.Proportion(outcomes, 1000, 5, "x");
        Assert.Equal((0.65, 0.5, 0.775, 40), (p.Value, Math.Round(p.Lower, 12), Math.Round(p.Upper, 12), p.Count ?? 0));
    }

    [Fact]
    public void Should_repeat_with_the_seed_and_change_with_another_seed()
    {
        Assert.Equal(Bootstrap.Bca(Skewed, Mean, 300, 4), Bootstrap.Bca(Skewed, Mean, 300, 4));
        Assert.NotEqual(Bootstrap.Percentile(Skewed, Mean, 300, 4), Bootstrap.Percentile(Skewed, Mean, 300, 5));
    }

    [Fact]
    public void Should_match_a_textbook_bca_computed_inline()
    {
        const int B = 2000,
            seed = 42;
        const double level = 0.95;
        var ci = Bootstrap.Bca(Skewed, Mean, B, seed, level);

        int n = Skewed.Length;
        double theta = Skewed.Average();
        var rng = new Random(seed);
        var reps = new double[B];
        for (int b = 0; b < B; b++)
            reps[b] = Enumerable.Range(0, n).Select(_ => Skewed[rng.Next(n)]).Average();
        Array.Sort(reps);
        double z0 = Normal.InvCDF(0, 1, reps.Count(r => r < theta) / (double)B);
        var jack = Enumerable.Range(0, n).Select(i => Skewed.Where((_, j) => j != i).Average()).ToArray();
        double jbar = jack.Average();
        double a = jack.Sum(t => Math.Pow(jbar - t, 3)) / (6 * Math.Pow(jack.Sum(t => Math.Pow(jbar - t, 2)), 1.5));
        double Level(double q)
        {
            double z = z0 + Normal.InvCDF(0, 1, q);
            return Normal.CDF(0, 1, z0 + z / (1 - a * z));
        }

        Assert.True(
            a > 0.01,
            string.Create(CultureInfo.InvariantCulture, $"a {a}: the skewed sample should need acceleration")
        );
        Assert.Equal(Linear(reps, Level(0.025)), ci.Lower, 10);
        Assert.Equal(Linear(reps, Level(0.975)), ci.Upper, 10);
        Assert.Equal(IntervalMethod.Bca, ci.Method);
        var percentile = Bootstrap.Percentile(Skewed, Mean, B, seed, level);
        Assert.True(ci.Upper > percentile.Upper, "BCa moves a right-skewed mean's interval to the right");
    }

    [Fact]
    public void Should_resample_whole_clusters()
    {
        // Two clusters: rows {0,1} all right, rows {2,3,4,5} all wrong. A resample draws 2 clusters, so accuracy is
        // 1 (both first), 0 (both second) or 2/6.
        var right = new[] { true, true, false, false, false, false };
        var clusters = Bootstrap.ClustersOf(new[] { 7, 7, 9, 9, 9, 9 });
        Assert.Equal(new[] { new[] { 0, 1 }, new[] { 2, 3, 4, 5 } }, clusters);
        var seen = new HashSet<double>();
        Bootstrap.Clustered(
            clusters,
            rows =>
            {
                seen.Add(Math.Round(rows.Count(r => right[r]) / (double)rows.Length, 9));
                return 0;
            },
            100,
            3
        );
        Assert.True(seen.IsSubsetOf(new[] { 1, 0, Math.Round(2 / 6.0, 9) }), string.Join(", ", seen));
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public void Should_drop_zero_denominator_resamples_and_give_no_bounds_without_resamples()
    {
        var units = new[] { (1, 2), (0, 0) };
        var ci = Bootstrap.Ratio(units, 200, 1);
        Assert.Equal(0.5, ci.Lower);
        Assert.Equal(0.5, ci.Upper);
        var none = Bootstrap.Ratio(units, 0, 1);
        Assert.Equal(IntervalMethod.None, none.Method);
        Assert.True(double.IsNaN(none.Lower) && double.IsNaN(none.Upper));
        Assert.Equal(new Interval(0.5, 0.5, 0.5, Method: IntervalMethod.None), none.ContainingValue());
    }

    [Fact]
    public void Should_serialise_intervals_as_camel_case_json()
    {
        var json = ResultJson.Serialize(new Interval(0.5, 0.25, 0.75) { Count = 8 });
        foreach (
            var part in new[]
            {
                "\"value\": 0.5",
                "\"lower\": 0.25",
                "\"upper\": 0.75",
                "\"level\": 0.95",
                "\"method\": \"percentile\"",
                "\"count\": 8",
            }
        )
            Assert.Contains(part, json, StringComparison.Ordinal);
        Assert.DoesNotContain("count", ResultJson.Serialize(Interval.PointOnly(1)), StringComparison.Ordinal);
        Assert.Equal("0.500 [0.250, 0.750]", new Interval(0.5, 0.25, 0.75).ToString());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Should_reject_a_confidence_level_outside_zero_to_one(double level)
    {
        Assert.Throws<InputException>(() => Bootstrap.Percentile(Skewed, Mean, 10, 0, level));
        Assert.Throws<InputException>(() => Bootstrap.Bca(Skewed, Mean, 10, 0, level));
    }

    [Fact]
    public void Should_reject_empty_samples_non_finite_values_and_negative_resamples()
    {
        Assert.Throws<InputException>(() => Bootstrap.Percentile(Array.Empty<double>(), Mean));
        Assert.Throws<InputException>(() => Bootstrap.Percentile(0, _ => 0));
        Assert.Throws<InputException>(() => Bootstrap.Ratio(Array.Empty<(int, int)>()));
        Assert.Throws<InputException>(() => Bootstrap.Proportion(Array.Empty<bool>()));
        Assert.Throws<InputException>(() => Bootstrap.Bca(new[] { 1.0, double.NaN }, Mean));
        Assert.Throws<InputException>(() => Bootstrap.Percentile(new[] { 1.0, double.PositiveInfinity }, Mean));
        Assert.Throws<InputException>(() => Bootstrap.Percentile(Skewed, Mean, -1));
    }

    private static double Mean(double[] v) => v.Average();

    private static double Linear(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos),
            hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
