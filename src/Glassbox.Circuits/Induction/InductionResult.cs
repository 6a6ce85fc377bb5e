using System.Text.Json.Serialization;
using Glassbox.Reports;

namespace Glassbox.Circuits.Induction;

/// <summary>Scores of one attention head on repeated random tokens.</summary>
/// <param name="Layer">Layer.</param>
/// <param name="Head">Head.</param>
/// <param name="PreviousToken">Mean attention from each position to the one before it (0..1).</param>
/// <param name="Induction">Prefix-matching score: mean attention from position i of the second copy to i - T + 1,
/// the token after the previous occurrence of the current token (0..1; a uniform causal head scores about 1/i).</param>
/// <param name="DirectCopying">Direct-logit copying, in logits: the head's output at second-copy positions, through
/// the frozen final norm and the unembedding, raises the logit of the correct (repeated) next token by this much
/// more than the mean logit.</param>
/// <param name="OvCopying">Olsson et al.'s OV copying score: Σλ / Σ|λ| over the eigenvalues λ of the full OV circuit
/// W_U W_O W_V W_E with the ln1 and final norm weights folded in (<see cref="Weights.WeightCircuits.FullOV"/>); +1 = pure copying, -1 = anti-copying.</param>
public sealed record HeadInductionScore(
    int Layer,
    int Head,
    double PreviousToken,
    double Induction,
    double DirectCopying,
    double OvCopying
);

/// <summary>A mean with its standard error over sequences.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="StdErr">Standard error of the mean.</param>
public sealed record MeanSe(double Mean, double StdErr)
{
    /// <summary>Mean and standard error of values.</summary>
    public static MeanSe Of(IReadOnlyList<double> v)
    {
        double m = v.Average();
        double var = v.Count > 1 ? v.Sum(x => (x - m) * (x - m)) / (v.Count - 1) : 0;
        return new MeanSe(m, Math.Sqrt(var / v.Count));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Mean:F3} ± {StdErr:F3}";
}

/// <summary>Loss on the repeated-random-tokens test.</summary>
/// <param name="FirstCopy">Mean next-token loss inside the first copy (nats).</param>
/// <param name="SecondCopy">Mean next-token loss inside the second copy (nats).</param>
/// <param name="EarlyPosition">Position of the early loss of the ICL score.</param>
/// <param name="LatePosition">Position of the late loss of the ICL score.</param>
/// <param name="EarlyLoss">Loss of the prediction made at <paramref name="EarlyPosition"/>.</param>
/// <param name="LateLoss">Loss of the prediction made at <paramref name="LatePosition"/>.</param>
/// <param name="IclScore">In-context-learning score: late loss minus early loss (negative = the context helps).</param>
/// <param name="UniformLoss">Baseline: ln(number of candidate tokens), the loss of guessing uniformly.</param>
public sealed record RepeatLosses(
    MeanSe FirstCopy,
    MeanSe SecondCopy,
    int EarlyPosition,
    int LatePosition,
    MeanSe EarlyLoss,
    MeanSe LateLoss,
    MeanSe IclScore,
    double UniformLoss
);

/// <summary>Effect of zero-ablating heads.</summary>
/// <param name="Heads">Ablated heads as "L.H".</param>
/// <param name="Losses">Losses with the heads ablated.</param>
/// <param name="SecondCopyIncrease">Second-copy loss increase over the clean run (nats).</param>
/// <param name="IclScoreChange">ICL score change (positive = less in-context learning).</param>
/// <param name="ControlSecondCopyIncrease">Control: mean second-copy loss increase when the same number of randomly
/// chosen other heads is ablated — from the same layers when they have enough other heads, else from any layer
/// (null when there are too few other heads).</param>
/// <param name="ControlIclScoreChange">Control: mean ICL score change for those random heads.</param>
public sealed record AblationEffect(
    IReadOnlyList<string> Heads,
    RepeatLosses Losses,
    double SecondCopyIncrease,
    double IclScoreChange,
    double? ControlSecondCopyIncrease,
    double? ControlIclScoreChange
);

/// <summary>Effect of zero-ablating one head on its own.</summary>
/// <param name="Layer">Layer.</param>
/// <param name="Head">Head.</param>
/// <param name="SecondCopyIncrease">Second-copy loss increase (nats).</param>
/// <param name="IclScoreChange">ICL score change (positive = less in-context learning).</param>
public sealed record HeadAblation(int Layer, int Head, double SecondCopyIncrease, double IclScoreChange);

/// <summary>The induction-head analysis of one model.</summary>
/// <param name="Manifest">Provenance. Not written to JSON: the result envelope (<see cref="ResultEnvelope{T}"/>) carries it beside the result.</param>
/// <param name="SegmentLength">T, the length of the repeated segment.</param>
/// <param name="Sequences">Number of random sequences.</param>
/// <param name="HasBos">Whether sequences start with the model's BOS token.</param>
/// <param name="Losses">Losses on the repeated sequences.</param>
/// <param name="Heads">Per-head scores, layer by layer.</param>
/// <param name="Ablation">Effect of ablating the chosen heads, if any.</param>
/// <param name="HeadAblations">Effect of ablating each head alone (when asked for).</param>
public sealed record InductionResult(
    [property: JsonIgnore] RunManifest Manifest,
    int SegmentLength,
    int Sequences,
    bool HasBos,
    RepeatLosses Losses,
    IReadOnlyList<HeadInductionScore> Heads,
    AblationEffect? Ablation,
    IReadOnlyList<HeadAblation>? HeadAblations = null
)
{
    /// <summary>The head with the highest prefix-matching score.</summary>
    public HeadInductionScore TopInduction => Heads.MaxBy(h => h.Induction)!;

    /// <summary>The head with the highest previous-token score.</summary>
    public HeadInductionScore TopPreviousToken => Heads.MaxBy(h => h.PreviousToken)!;
}
