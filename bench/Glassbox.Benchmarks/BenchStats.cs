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
}
