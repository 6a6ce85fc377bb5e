using Glassbox.Statistics;

namespace Glassbox.Probing.Structural;

/// <summary>
/// Outcome of training a distance and a depth probe on one set of representations and evaluating them on held-out
/// sentences (one layer; the per-layer loop is the caller's).
/// </summary>
/// <param name="Uuas">Undirected unlabelled attachment score of the predicted MSTs (punctuation excluded, micro-averaged).</param>
/// <param name="UuasInterval">Bootstrap 95% interval of <paramref name="Uuas"/> over sentences.</param>
/// <param name="DSpr">Distance Spearman, macro-averaged over sentence lengths 5-50.</param>
/// <param name="RootAccuracy">Share of sentences whose least-deep non-punctuation word is the gold root.</param>
/// <param name="RootAccuracyInterval">Bootstrap 95% interval of <paramref name="RootAccuracy"/>.</param>
/// <param name="NSpr">Norm (depth) Spearman, macro-averaged over sentence lengths 5-50.</param>
/// <param name="RightBranchingUuas">UUAS of the right-branching baseline on the same evaluation sentences.</param>
/// <param name="DistanceTraining">Loss curve of the distance probe.</param>
/// <param name="DepthTraining">Loss curve of the depth probe.</param>
/// <param name="Rank">Rank of both probes.</param>
/// <param name="Seed">Seed of initialisation, batch order and bootstrap.</param>
/// <param name="EvaluatedSentences">Number of evaluation sentences.</param>
/// <param name="PredictedHeads">Per evaluation sentence, heads (1-based, 0 = root) from rooting the predicted MST at
/// the predicted root; -1 for punctuation words, which the MST leaves out.</param>
public sealed record StructuralProbeResult(
    double Uuas,
    Interval UuasInterval,
    double DSpr,
    double RootAccuracy,
    Interval RootAccuracyInterval,
    double NSpr,
    double RightBranchingUuas,
    ProbeTrainingCurve DistanceTraining,
    ProbeTrainingCurve DepthTraining,
    int Rank,
    int Seed,
    int EvaluatedSentences,
    IReadOnlyList<int[]> PredictedHeads
)
{
    /// <summary>Epochs run by the distance and depth probes together.</summary>
    public int EpochsRun => DistanceTraining.EpochsRun + DepthTraining.EpochsRun;
}
