using Glassbox.Statistics;

namespace Glassbox.Concepts;

/// <summary>Options of a TCAV experiment.</summary>
public sealed record TcavOptions
{
    /// <summary>Hook points to test (full names built through HookName/HookPoints).</summary>
    public IReadOnlyList<string> Hooks { get; init; } = Array.Empty<string>();

    /// <summary>Pooling of activations and gradients. Default mean.</summary>
    public ConceptPooling Pooling { get; init; } = ConceptPooling.Mean;

    /// <summary>How CAVs are fitted. Default logistic regression.</summary>
    public CavMethod Method { get; init; } = CavMethod.Logistic;

    /// <summary>Random runs R: each concept is tested against R different random sets, and the random baseline has
    /// R random-vs-random CAVs. Default 50 (as in Kim et al.'s significance test).</summary>
    public int RandomRuns { get; init; } = 50;

    /// <summary>Examples per random set; concepts are capped at this many (a seeded subset). Default 100.</summary>
    public int ExamplesPerSet { get; init; } = 100;

    /// <summary>K random concept sets per (size, kind) for the set-level null test (<see cref="SetNullTest"/>): each is a
    /// random word (or sentence) set of the concept's size, scored like the concept. 0 (default) skips the test; 50 is
    /// a good value.</summary>
    public int NullSets { get; init; }

    /// <summary>Counterpart runs per null set (and the concept's runs its mean is taken over in that test). Default 10;
    /// at most <see cref="RandomRuns"/>.</summary>
    public int NullRuns { get; init; } = 10;

    /// <summary>Minimum examples a concept must have. Default 10.</summary>
    public int MinExamples { get; init; } = ConceptSet.DefaultMinExamples;

    /// <summary>Texts per forward/backward. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Family-wise error level for significance (after Holm). Default 0.05.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Bootstrap resamples for intervals. Default 1000.</summary>
    public int Resamples { get; init; } = Bootstrap.DefaultResamples;

    /// <summary>Seed of random sets, CAV splits and bootstraps.</summary>
    public int Seed { get; init; }

    /// <summary>Throws on out-of-range options.</summary>
    /// <exception cref="InputException">An option out of range.</exception>
    public TcavOptions Validate()
    {
        if (Hooks.Count == 0)
            throw new InputException("TCAV needs at least one hook (--layers or --hook)");
        if (RandomRuns < 2)
            throw new InputException("--random must be at least 2 (the t-test needs two scores per side)");
        if (ExamplesPerSet < 8)
            throw new InputException("--examples must be at least 8");
        if (BatchSize < 1)
            throw new InputException("--batch-size must be at least 1");
        if (NullSets is < 0 or 1)
            throw new InputException("--null-sets must be 0 (off) or at least 2");
        if (NullSets > 0 && (NullRuns < 1 || NullRuns > RandomRuns))
            throw new InputException("--null-runs must be between 1 and --random");
        if (Alpha is <= 0 or >= 1)
            throw new InputException("--alpha must be in (0, 1)");
        return this;
    }
}

/// <summary>A target with the inputs whose predictions it explains.</summary>
/// <param name="Target">The target (a class logit, a logit difference).</param>
/// <param name="Inputs">Texts of interest (e.g. SST-2 dev sentences of the class).</param>
public sealed record TcavTargetInputs(ITcavTarget Target, IReadOnlyList<string> Inputs);

/// <summary>TCAV of one concept at one hook for one target, against the random-vs-random baseline.</summary>
/// <param name="Concept">Concept name.</param>
/// <param name="Hook">Hook point.</param>
/// <param name="Target">Target name.</param>
/// <param name="Scores">TCAV score (fraction of inputs with a positive directional derivative) per random run.</param>
/// <param name="Score">Mean score over runs with a bootstrap interval over runs.</param>
/// <param name="Magnitude">Mean magnitude (Σ positive derivatives / Σ |derivatives|) with an interval.</param>
/// <param name="Random">Mean random-vs-random score with its interval.</param>
/// <param name="CavAccuracy">Mean held-out accuracy of the concept's CAVs.</param>
/// <param name="T">Welch t statistic of concept scores vs random scores.</param>
/// <param name="P">Two-sided p-value.</param>
/// <param name="PHolm">Holm-adjusted p over every (concept, hook, target) of the run.</param>
/// <param name="PBonferroni">Bonferroni-adjusted p over the same family.</param>
/// <param name="CohensD">Effect size of concept vs random scores.</param>
/// <param name="Significant">PHolm below alpha.</param>
public sealed record TcavScore(
    string Concept,
    string Hook,
    string Target,
    IReadOnlyList<double> Scores,
    Interval Score,
    Interval Magnitude,
    Interval Random,
    double CavAccuracy,
    double T,
    double P,
    double PHolm,
    double PBonferroni,
    double CohensD,
    bool Significant
)
{
    /// <summary>The set-level null test (null unless <see cref="TcavOptions.NullSets"/> is above 0).</summary>
    public SetNullTest? SetNull { get; init; }
}

/// <summary>A relative CAV (concept A vs concept B) at one hook for one target.</summary>
/// <param name="ConceptA">Positive side.</param>
/// <param name="ConceptB">Negative side.</param>
/// <param name="Hook">Hook point.</param>
/// <param name="Target">Target name.</param>
/// <param name="Score">Fraction of inputs whose derivative along A − B is positive, bootstrap interval over inputs.</param>
/// <param name="CavAccuracy">Held-out accuracy of the A-vs-B CAV.</param>
public sealed record RelativeTcavScore(
    string ConceptA,
    string ConceptB,
    string Hook,
    string Target,
    Interval Score,
    double CavAccuracy
);

/// <summary>Everything a TCAV run measured.</summary>
/// <param name="Scores">Concept-vs-random results.</param>
/// <param name="Relative">Relative CAV results (empty unless pairs were asked for).</param>
/// <param name="Concepts">Concept names with their example counts and sources.</param>
/// <param name="RandomCorpus">Where random sets come from.</param>
/// <param name="Options">The options used (hooks, runs, pooling, method, seed).</param>
/// <param name="Timings">Wall seconds of each phase.</param>
public sealed record TcavResult(
    IReadOnlyList<TcavScore> Scores,
    IReadOnlyList<RelativeTcavScore> Relative,
    IReadOnlyList<ConceptInfo> Concepts,
    string RandomCorpus,
    TcavOptions Options,
    TcavTimings Timings
);

/// <summary>Wall seconds of the phases of a TCAV run.</summary>
/// <param name="Activations">Pooled activations of concept and random sets (forward passes).</param>
/// <param name="Gradients">Pooled gradients of every target input at every hook (forward + backward passes).</param>
/// <param name="Cavs">CAV fits, directional derivatives and statistics.</param>
public sealed record TcavTimings(double Activations, double Gradients, double Cavs);

/// <summary>A concept as used: its name, the examples used (after the cap) and where they came from.</summary>
/// <param name="Name">Concept name.</param>
/// <param name="Examples">Examples used.</param>
/// <param name="Source">Origin.</param>
public sealed record ConceptInfo(string Name, int Examples, string Source);
