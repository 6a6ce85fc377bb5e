using Glassbox.Statistics;

namespace Glassbox.Neurons;

/// <summary>How selected units are silenced.</summary>
public enum AblationMode
{
    /// <summary>Set to 0.</summary>
    Zero,

    /// <summary>Set to the unit's mean activation (over the training rows, or the evaluation tokens for LM loss).</summary>
    Mean,

    /// <summary>Replaced by the unit's value on another, randomly paired row (or, for LM loss, another sequence).</summary>
    Resample,
}

/// <summary>Options for <see cref="UnitVerification"/>.</summary>
public sealed record VerificationOptions
{
    /// <summary>Unit counts to sweep (values above the unit count are dropped). Default: 1, 5, 10, 20, 50, 100, 200.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [1, 5, 10, 20, 50, 100, 200];

    /// <summary>Random-k draws per k (each a fresh probe); their spread gives the random baseline's interval.</summary>
    public int RandomDraws { get; init; } = 5;

    /// <summary>Ablation modes measured on the full probe.</summary>
    public IReadOnlyList<AblationMode> Ablations { get; init; } =
    [AblationMode.Zero, AblationMode.Mean, AblationMode.Resample];

    /// <summary>Train a control-task (Hewitt &amp; Liang) probe on the top-k units for selectivity.</summary>
    public bool Control { get; init; } = true;

    /// <summary>Bootstrap resamples for intervals (sentences are resampled whole).</summary>
    public int Resamples { get; init; } = Bootstrap.DefaultResamples;

    /// <summary>Probe training iterations (L-BFGS).</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Seed of random draws, probes and bootstrap.</summary>
    public int Seed { get; init; }
}

/// <summary>Probe accuracy on k units chosen three ways, with the control task on the top-k units.</summary>
/// <param name="K">Units used.</param>
/// <param name="Top">Accuracy of a probe on the k top-ranked units (interval over test sentences).</param>
/// <param name="Random">Mean accuracy over random draws of k units (percentile interval of that mean over draws).</param>
/// <param name="Bottom">Accuracy on the k bottom-ranked units.</param>
/// <param name="Control">Control-task accuracy on the top-k units (null when not run).</param>
/// <param name="Selectivity">Top − control (null when not run); ≤ 0 means the units memorise words as well as they
/// encode the property.</param>
public sealed record KSweepPoint(
    int K,
    Interval Top,
    Interval Random,
    Interval Bottom,
    Interval? Control,
    double? Selectivity
);

/// <summary>Accuracy of the full probe when k units are ablated, for units chosen three ways.</summary>
/// <param name="Mode">How units were silenced.</param>
/// <param name="K">Units ablated.</param>
/// <param name="Top">Accuracy with the top-k units ablated.</param>
/// <param name="Random">Mean accuracy over random-k draws ablated.</param>
/// <param name="Bottom">Accuracy with the bottom-k units ablated.</param>
public sealed record ProbeAblationPoint(AblationMode Mode, int K, Interval Top, Interval Random, Interval Bottom);

/// <summary>Everything that backs a ranking: restricted probes, ablations and the baselines they are read against.</summary>
/// <param name="Units">Units on the hook.</param>
/// <param name="FullAccuracy">Probe on every unit.</param>
/// <param name="Majority">Majority-class accuracy on the test rows.</param>
/// <param name="Sweep">Accuracy (and selectivity) against k.</param>
/// <param name="Ablations">Full-probe accuracy with units ablated.</param>
/// <param name="Verdict">One sentence: does the ranking beat random units, and by how much.</param>
public sealed record VerificationResult(
    int Units,
    Interval FullAccuracy,
    double Majority,
    IReadOnlyList<KSweepPoint> Sweep,
    IReadOnlyList<ProbeAblationPoint> Ablations,
    string Verdict
);
