using System.Security.Cryptography;
using Glassbox.Neurons.Store;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>Store comparisons shared by the store tests.</summary>
internal static class StoreAssert
{
    /// <summary>Every table of two stores holds the same rows (timings and creation times aside); <paramref name="map"/>
    /// rewrites each row of <paramref name="actual"/> first (e.g. a container's paths into the host's).</summary>
    public static void SameRows(string expected, string actual, Func<string, string>? map = null)
    {
        using var a = ActivationStore.Open(expected);
        using var b = ActivationStore.Open(actual);
        foreach (
            var table in new[]
            {
                "manifest",
                "units",
                "vocab",
                "bins",
                "shards",
                "stats",
                "histograms",
                "excerpts",
                "quantile_samples",
            }
        )
        {
            var (x, y) = (StoreTestData.Rows(a, table), StoreTestData.Rows(b, table).Select(map ?? (r => r)).ToList());
            Assert.True(x.Count > 0, table);
            Assert.True(
                x.SequenceEqual(y),
                $"{table}: {x.Count} rows vs {y.Count}, first difference: {x.Except(y).FirstOrDefault()} / {y.Except(x).FirstOrDefault()}"
            );
        }
    }

    /// <summary><see cref="SameRows"/> for a split run against a single run; when they differ, the single run is
    /// repeated (<paramref name="rerun"/> writes it to the path given) and the failure says whether the repeat equals
    /// the first single run and the split one, so a failure shows which side was not reproducible.</summary>
    public static void SameRowsAsSingle(
        string single,
        string split,
        Action<string> rerun,
        Func<string, string>? map = null
    )
    {
        try
        {
            SameRows(single, split, map);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            string again = single + ".again.duckdb";
            rerun(again);
            throw new Xunit.Sdk.XunitException(
                e.Message
                    + $"\nA repeated single run equals the first single run: {Same(single, again)}; equals the split run: {Same(again, split, map)}; load average: {LoadAverage()}"
            );
        }
    }

    private static bool Same(string a, string b, Func<string, string>? map = null)
    {
        try
        {
            SameRows(a, b, map);
            return true;
        }
        catch (Xunit.Sdk.XunitException)
        {
            return false;
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";

    /// <summary>SHA-256 of a file's bytes.</summary>
    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
