using System.Globalization;
using Glassbox.Statistics;

namespace Glassbox.Benchmarks;

/// <summary>Summary statistics the interleaved benches report.</summary>
internal static class BenchStats
{
    /// <summary>The upper median (the middle element of the sorted values; for an even count, the larger of the two
    /// middle ones), as every table in docs/benchmarks.md reports it.</summary>
    public static double Median(IEnumerable<double> x)
    {
        var s = x.Order().ToList();
        return s[s.Count / 2];
    }

    /// <summary>The median of per-round ratios with its 95% bootstrap percentile interval (rounds resampled, 2,000
    /// resamples, seed 0), e.g. <c>1.06x [1.03, 1.09]</c>: on this shared host the ratio of one run is only as good as
    /// its spread across rounds.</summary>
    public static string Ratio(IReadOnlyList<double> perRound)
    {
        var ci = Bootstrap.Percentile(perRound, Median, resamples: 2000, seed: 0);
        return string.Create(CultureInfo.InvariantCulture, $"{Median(perRound):F2}x [{ci.Lower:F2}, {ci.Upper:F2}]");
    }
}
