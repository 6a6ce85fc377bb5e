using System.Globalization;
using Glassbox.Statistics;

namespace Glassbox.Probing;

/// <summary>A one- or two-sentence reading of a probing result, generated from its numbers, with an explicit
/// inconclusive flag.</summary>
/// <param name="Text">What the numbers mean.</param>
/// <param name="Inconclusive">True when the best layer's interval overlaps a baseline (random-weights model, control
/// task or majority class) or its selectivity is ≤ 0.</param>
public sealed record ProbeMeaningText(string Text, bool Inconclusive);

/// <summary>Turns probing results into the "what this means" sentence of their report section.</summary>
public static class ProbeMeaning
{
    /// <summary>Reads a layer-wise probe: best layer, its gap to the random-weights model, the control task and the
    /// majority class (with intervals), and flags the result inconclusive when an interval overlaps a baseline or
    /// selectivity is ≤ 0.</summary>
    public static ProbeMeaningText Of(WordProbeResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var b = r.BestLayer;
        var acc = b.Task.Accuracy;
        string layer = b.Layer == 0 ? "the embeddings" : string.Create(CultureInfo.InvariantCulture, $"layer {b.Layer}");
        var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"{r.Task} is decoded best from {layer}: accuracy {acc}") };
        var reasons = new List<string>();
        if (b.RandomModel is { } rnd)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{Signed(acc.Value - rnd.Value)} over the random-weights model ({rnd})"));
            if (rnd.Upper >= acc.Lower) reasons.Add("its interval overlaps the random-weights model's, so the architecture and word identity alone may explain it");
        }
        if (b.Control is { } ctl)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"selectivity {b.Selectivity ?? acc.Value - ctl.Value:F3} against the control task ({ctl})"));
            if (ctl.Upper >= acc.Lower) reasons.Add("its interval overlaps the control task's");
            if (b.Selectivity is double s && s <= 0) reasons.Add("selectivity is ≤ 0: the probe memorises word types as well as it reads the property");
        }
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"{Signed(acc.Value - r.MajorityBaseline)} over the majority class ({r.MajorityBaseline:F3})"));
        if (acc.Lower <= r.MajorityBaseline) reasons.Add("its interval reaches the majority-class baseline");
        string text = string.Join("; ", parts) + ".";
        if (reasons.Count > 0) return new ProbeMeaningText(text + " Inconclusive: " + string.Join("; ", reasons.Distinct()) + ".", true);
        return new ProbeMeaningText(text + " The trained model encodes it linearly beyond every baseline here.", false);
    }

    /// <summary>Reads a score against one baseline number (e.g. UUAS against right-branching, minimal-pair accuracy
    /// against chance): inconclusive when <paramref name="score"/>'s interval reaches the baseline.</summary>
    public static ProbeMeaningText Against(string what, Interval score, string baselineName, double baseline, string meaning)
    {
        ArgumentNullException.ThrowIfNull(score);
        string text = string.Create(CultureInfo.InvariantCulture, $"{what}: {score}, {Signed(score.Value - baseline)} over {baselineName} ({baseline:F3}).");
        return score.Lower <= baseline
            ? new ProbeMeaningText(text + string.Create(CultureInfo.InvariantCulture, $" Inconclusive: the interval reaches {baselineName}."), true)
            : new ProbeMeaningText(text + " " + meaning, false);
    }

    private static string Signed(double d) => d.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
}
