using System.Security.Cryptography;
using Glassbox.Neurons.Store;

namespace Glassbox.Tests.Neurons.Store;

/// <summary>Store comparisons shared by the store tests.</summary>
internal static class StoreAssert
{
    /// <summary>Every table of two stores holds the same rows (timings and creation times aside).</summary>
    public static void SameRows(string expected, string actual)
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
            var (x, y) = (StoreTestData.Rows(a, table), StoreTestData.Rows(b, table));
            Assert.True(x.Count > 0, table);
            Assert.True(
                x.SequenceEqual(y),
                $"{table}: {x.Count} rows vs {y.Count}, first difference: {x.Except(y).FirstOrDefault()} / {y.Except(x).FirstOrDefault()}"
            );
        }
    }

    /// <summary>SHA-256 of a file's bytes.</summary>
    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
