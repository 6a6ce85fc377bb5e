using Glassbox.Statistics;

namespace Glassbox.Probing;

/// <summary>One pair's scores.</summary>
/// <param name="Phenomenon">Phenomenon.</param>
/// <param name="Group">Group.</param>
/// <param name="Good">Total log-probability (or PLL) of the good sentence.</param>
/// <param name="Bad">Total log-probability (or PLL) of the bad sentence.</param>
/// <param name="GoodMean">Per-token mean of the good sentence.</param>
/// <param name="BadMean">Per-token mean of the bad sentence.</param>
public sealed record PairScore(
    string Phenomenon,
    string Group,
    double Good,
    double Bad,
    double GoodMean,
    double BadMean
)
{
    /// <summary>Right by the sum criterion (strictly higher; ties are wrong).</summary>
    public bool Correct => Good > Bad;

    /// <summary>Right by the per-token mean criterion (strictly higher; ties are wrong).</summary>
    public bool CorrectMean => GoodMean > BadMean;
}

/// <summary>Accuracy of a set of pairs under both criteria.</summary>
/// <param name="Name">Phenomenon or group name ("(all)" overall).</param>
/// <param name="Count">Number of pairs.</param>
/// <param name="Accuracy">Sum criterion: total log-probability, with its 95% interval.</param>
/// <param name="MeanAccuracy">Mean criterion: per-token mean log-probability, with its 95% interval.</param>
public sealed record AccuracyStat(string Name, int Count, Interval Accuracy, Interval MeanAccuracy);

/// <summary>The result of a minimal-pair evaluation.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Method">"log-probability" (causal) or "pseudo-log-likelihood" (masked).</param>
/// <param name="Count">Number of pairs.</param>
/// <param name="Accuracy">Overall accuracy, sum criterion (interval resamples pairs within each phenomenon).</param>
/// <param name="MeanAccuracy">Overall accuracy, per-token mean criterion.</param>
/// <param name="Chance">Chance baseline (0.5).</param>
/// <param name="Phenomena">Per phenomenon, ordered by name.</param>
/// <param name="Groups">Per group, ordered by name.</param>
/// <param name="Pairs">Every pair's scores, in input order.</param>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="Seed">Bootstrap seed.</param>
public sealed record MinimalPairResult(
    string Model,
    string Method,
    int Count,
    Interval Accuracy,
    Interval MeanAccuracy,
    double Chance,
    IReadOnlyList<AccuracyStat> Phenomena,
    IReadOnlyList<AccuracyStat> Groups,
    IReadOnlyList<PairScore> Pairs,
    int Resamples,
    int Seed
);
