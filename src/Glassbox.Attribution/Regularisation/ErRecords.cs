using Glassbox.Statistics;

namespace Glassbox.Attribution.Regularisation;

/// <summary>Options of an ER-TEST evaluation.</summary>
public sealed record ErTestOptions
{
    /// <summary>Tokens per text (longer reviews are cut, keeping [SEP]).</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Rows per set (seeded subset; 0 = all).</summary>
    public int MaxPerSet { get; init; } = 500;

    /// <summary>Held-out Zaidan sentences scored for plausibility (0 = skip).</summary>
    public int PlausibilitySentences { get; init; } = 300;

    /// <summary>Bootstrap resamples of every interval.</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Seed of the subsets and the bootstraps.</summary>
    public int Seed { get; init; }

    /// <summary>Texts per forward.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Called with (done, total) texts.</summary>
    public Action<long, long>? Progress { get; init; }
}

/// <summary>Accuracy of one model on one set.</summary>
/// <param name="Name">Set name.</param>
/// <param name="Kind">in-domain, out-of-domain, contrast, counterfactual or functional.</param>
/// <param name="Count">Rows scored.</param>
/// <param name="Accuracy">Accuracy with a bootstrap interval (whole groups resampled where the set has groups).</param>
/// <param name="Group">For grouped sets: the fraction of groups whose rows are all correct (contrast consistency) or
/// all predicted alike (invariance), with a bootstrap interval over groups.</param>
/// <param name="GroupMetric">allCorrect or allSame.</param>
public sealed record ErSetScore(
    string Name,
    string Kind,
    int Count,
    Interval Accuracy,
    Interval? Group,
    string? GroupMetric
);

/// <summary>Plausibility of one explanation method against held-out human rationales.</summary>
/// <param name="Method">gradxinput or attention.</param>
/// <param name="Sentences">Sentences scored.</param>
/// <param name="AveragePrecision">Mean AUPRC (average precision) over sentences.</param>
/// <param name="TopKF1">Mean token F1 at k = rationale length.</param>
/// <param name="RandomBaseline">The expected average precision of random scores: the mean rationale share of the
/// scored tokens (the control).</param>
public sealed record ErPlausibility(
    string Method,
    int Sentences,
    Interval AveragePrecision,
    Interval TopKF1,
    double RandomBaseline
);

/// <summary>ER-TEST of one model.</summary>
/// <param name="Model">The classifier directory or name.</param>
/// <param name="Sets">Accuracy per set.</param>
/// <param name="Plausibility">Plausibility per explanation method.</param>
/// <param name="Missing">Sets skipped because their files are absent.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record ErTestResult(
    string Model,
    IReadOnlyList<ErSetScore> Sets,
    IReadOnlyList<ErPlausibility> Plausibility,
    IReadOnlyList<string> Missing,
    double Seconds
);
