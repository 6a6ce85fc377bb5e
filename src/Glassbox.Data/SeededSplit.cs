using System.Globalization;

namespace Glassbox.Data;

/// <summary>The one seeded shuffle behind every train/test and train/dev split in Glassbox, so that the same seed
/// always gives the same split wherever it is made (CLI, benchmarks, probes).</summary>
public static class SeededSplit
{
    /// <summary>A seeded permutation of 0..n-1.</summary>
    public static int[] Permutation(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
    }

    /// <summary>Splits <paramref name="items"/> into a training part of round(count × <paramref name="trainFraction"/>)
    /// items and a test part, each kept in the original order.</summary>
    /// <exception cref="InputException">The fraction is not strictly between 0 and 1, or one part would be empty.</exception>
    public static (List<T> Train, List<T> Test) Split<T>(
        IReadOnlyList<T> items,
        double trainFraction,
        int seed,
        string what = "the data"
    )
    {
        if (trainFraction is <= 0 or >= 1)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the training fraction must be between 0 and 1, got {trainFraction}"
                )
            );
        var order = Permutation(items.Count, seed);
        int nTrain = (int)Math.Round(items.Count * trainFraction);
        if (nTrain == 0 || nTrain == items.Count)
            throw new InputException($"{what}: {items.Count} item(s) cannot be split into train and test");
        return (
            order.Take(nTrain).Order().Select(i => items[i]).ToList(),
            order.Skip(nTrain).Order().Select(i => items[i]).ToList()
        );
    }
}
