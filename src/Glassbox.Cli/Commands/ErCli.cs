using System.Globalization;
using Glassbox.Attribution.Regularisation;

namespace Glassbox.Cli.Commands;

/// <summary>Argument parsing shared by the <c>er</c> commands.</summary>
internal static class ErCli
{
    /// <summary>"0,1,2" → seeds.</summary>
    public static IReadOnlyList<long> Seeds(string spec)
    {
        var parts = spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var seeds = new List<long>();
        foreach (var p in parts)
            seeds.Add(
                long.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                    ? v
                    : throw new InputException($"--seeds: '{p}' is not an integer (expected e.g. 0,1,2)")
            );
        if (seeds.Count == 0)
            throw new InputException("--seeds needs at least one seed");
        if (seeds.Distinct().Count() != seeds.Count)
            throw new InputException($"--seeds: '{spec}' repeats a seed");
        return seeds;
    }

    /// <summary>Checked evaluation options.</summary>
    public static ErTestOptions TestOptions(int maxLength, int maxPerSet, int plausibility, int resamples)
    {
        if (maxLength < 8)
            throw new InputException("--eval-max-length must be at least 8");
        if (maxPerSet < 0)
            throw new InputException("--max-per-set must be 0 (all) or more");
        if (plausibility < 0)
            throw new InputException("--plausibility must be 0 or more");
        if (resamples < 0)
            throw new InputException("--resamples must be 0 or more");
        return new ErTestOptions
        {
            MaxLength = maxLength,
            MaxPerSet = maxPerSet,
            PlausibilitySentences = plausibility,
            Resamples = resamples,
        };
    }
}
