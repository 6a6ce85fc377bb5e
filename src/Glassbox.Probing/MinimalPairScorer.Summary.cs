using Glassbox.Statistics;

namespace Glassbox.Probing;

public static partial class MinimalPairScorer
{
    /// <summary>Accuracy overall, per phenomenon and per group from every pair's scores (in input order): the sum and
    /// the mean criterion with 95% bootstrap intervals (pairs resampled within each phenomenon, seeded). A sharded
    /// run's merge calls this on the parts' scores, so it gives what one <see cref="Evaluate"/> run gives.</summary>
    public static MinimalPairResult Summarise(
        string model,
        string method,
        IReadOnlyList<PairScore> pairScores,
        MinimalPairOptions options
    )
    {
        ArgumentNullException.ThrowIfNull(pairScores);
        ArgumentNullException.ThrowIfNull(options);
        var o = options;
        AccuracyStat Stat(string name, IEnumerable<PairScore> items)
        {
            var strata = items.GroupBy(p => p.Phenomenon).ToList();
            var sum = Bootstrap.Proportion(
                strata.Select(g => (IReadOnlyList<bool>)g.Select(p => p.Correct).ToList()).ToList(),
                o.Resamples,
                o.Seed,
                name
            );
            var mean = Bootstrap.Proportion(
                strata.Select(g => (IReadOnlyList<bool>)g.Select(p => p.CorrectMean).ToList()).ToList(),
                o.Resamples,
                o.Seed,
                name + "/mean"
            );
            return new AccuracyStat(name, sum.Count ?? 0, sum, mean);
        }

        var overall = Stat("(all)", pairScores);
        var phenomena = pairScores
            .GroupBy(p => p.Phenomenon)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Stat(g.Key, g))
            .ToList();
        var groups = pairScores
            .GroupBy(p => p.Group)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Stat(g.Key, g))
            .ToList();
        return new MinimalPairResult(
            model,
            method,
            pairScores.Count,
            overall.Accuracy,
            overall.MeanAccuracy,
            Chance,
            phenomena,
            groups,
            pairScores,
            o.Resamples,
            o.Seed
        );
    }
}
