using System.Globalization;
using Glassbox.Probing.Coreference;
using Glassbox.Probing.Heads;
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
        string layer =
            b.Layer == 0 ? "the embeddings" : string.Create(CultureInfo.InvariantCulture, $"layer {b.Layer}");
        var parts = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{r.Task} is decoded best from {layer}: accuracy {acc}"),
        };
        var reasons = new List<string>();
        if (b.RandomModel is { } rnd)
        {
            parts.Add(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Signed(acc.Value - rnd.Value)} over the random-weights model ({rnd})"
                )
            );
            if (rnd.Upper >= acc.Lower)
                reasons.Add(
                    "its interval overlaps the random-weights model's, so the architecture and word identity alone may explain it"
                );
        }
        if (b.Control is { } ctl)
        {
            parts.Add(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"selectivity {b.Selectivity ?? acc.Value - ctl.Value:F3} against the control task ({ctl})"
                )
            );
            if (ctl.Upper >= acc.Lower)
                reasons.Add("its interval overlaps the control task's");
            if (b.Selectivity is double s && s <= 0)
                reasons.Add("selectivity is ≤ 0: the probe memorises word types as well as it reads the property");
        }
        parts.Add(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{Signed(acc.Value - r.MajorityBaseline)} over the majority class ({r.MajorityBaseline:F3})"
            )
        );
        if (acc.Lower <= r.MajorityBaseline)
            reasons.Add("its interval reaches the majority-class baseline");
        string text = string.Join("; ", parts) + ". " + Legend;
        if (reasons.Count > 0)
            return new ProbeMeaningText(text + " Inconclusive: " + string.Join("; ", reasons.Distinct()) + ".", true);
        return new ProbeMeaningText(text + " The trained model encodes it linearly beyond every baseline here.", false);
    }

    /// <summary>Reads a score against one baseline number (e.g. UUAS against right-branching, minimal-pair accuracy
    /// against chance): inconclusive when <paramref name="score"/>'s interval reaches the baseline.</summary>
    public static ProbeMeaningText Against(
        string what,
        Interval score,
        string baselineName,
        double baseline,
        string meaning
    )
    {
        ArgumentNullException.ThrowIfNull(score);
        string text = string.Create(
            CultureInfo.InvariantCulture,
            $"{what}: {score}, {Signed(score.Value - baseline)} over {baselineName} ({baseline:F3})."
        );
        return score.Lower <= baseline
            ? new ProbeMeaningText(
                text
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $" Inconclusive: the interval reaches {baselineName}."
                    ),
                true
            )
            : new ProbeMeaningText(text + " " + meaning, false);
    }

    /// <summary>What the numbers of a trained-probe section are, in one sentence.</summary>
    public const string Legend =
        "Brackets are 95% bootstrap intervals over test sentences; the control task gives every word type a random label, "
        + "so selectivity (accuracy − control accuracy) is what the probe reads beyond memorising words, and the random-weights model shows what the "
        + "architecture alone gives.";

    /// <summary>Reads the dependency-head analysis: how many relations have a head whose whole interval is above the
    /// best fixed-offset baseline; inconclusive when none has.</summary>
    public static ProbeMeaningText Of(DependencyHeadResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var scored = r.Relations.Where(x => x.Count > 0).ToList();
        var clear = scored.Where(x => x.ClearlyBeatsBaseline).ToList();
        string text =
            string.Create(
                CultureInfo.InvariantCulture,
                $"{clear.Count} of {scored.Count} relations have a head whose 95% interval lies above the best fixed-offset baseline"
            )
            + (
                clear.Count > 0
                    ? " ("
                        + string.Join(
                            ", ",
                            clear
                                .Take(4)
                                .Select(x =>
                                    string.Create(
                                        CultureInfo.InvariantCulture,
                                        $"{x.Relation}: {x.BestHead} {x.Accuracy:F2} vs {x.BaselineAccuracy:F2}"
                                    )
                                )
                        )
                        + ")"
                    : ""
            )
            + ". A head that beats the offset baseline tracks syntax, not just a position; the best head is picked on the same data, so its number is optimistic.";
        return clear.Count == 0
            ? new ProbeMeaningText(text + " Inconclusive: no relation's interval clears the baseline.", true)
            : new ProbeMeaningText(text, false);
    }

    /// <summary>Reads the coreference probe: the best layer's probe accuracy against chance and the random-weights model.</summary>
    public static ProbeMeaningText Of(CoreferenceResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var b = r.BestProbe;
        string layer =
            b.Layer == 0 ? "the embeddings" : string.Create(CultureInfo.InvariantCulture, $"layer {b.Layer}");
        string text =
            string.Create(
                CultureInfo.InvariantCulture,
                $"Pronouns are matched to their antecedent best at {layer}: {b.Probe}, {Signed(b.Probe.Value - r.Chance)} over chance ({r.Chance:F3})"
            )
            + (
                b.RandomModelProbe is { } rnd
                    ? string.Create(
                        CultureInfo.InvariantCulture,
                        $" and {Signed(b.Probe.Value - rnd.Value)} over the random-weights model ({rnd})"
                    )
                    : ""
            )
            + ". Test sentences use held-out nouns and names, so the probe cannot have memorised them; brackets are 95% bootstrap intervals.";
        var reasons = new List<string>();
        if (b.Probe.Lower <= r.Chance)
            reasons.Add("the interval reaches chance");
        if (b.RandomModelProbe is { } rm && rm.Upper >= b.Probe.Lower)
            reasons.Add("the interval overlaps the random-weights model's");
        return reasons.Count > 0
            ? new ProbeMeaningText(text + " Inconclusive: " + string.Join("; ", reasons) + ".", true)
            : new ProbeMeaningText(text, false);
    }

    /// <summary>Reads a head-masking (ablation) result: the largest single-head effect against the unmasked metric.</summary>
    public static ProbeMeaningText Of(HeadMaskingResult m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var (layer, head, delta) = m.MostHarmful(1)[0];
        double rel = Math.Abs(delta) / Math.Max(1e-9, Math.Abs(m.Baseline));
        string text =
            string.Create(
                CultureInfo.InvariantCulture,
                $"Zeroing one head at a time changes {m.Metric} by at most {Signed(delta)} (L{layer}H{head}; unmasked {m.Baseline:F4}). "
            )
            + "Each cell is one measurement without an interval; a large change marks a head the model needs, a near-zero map means the heads are redundant one by one.";
        return rel < 0.01
            ? new ProbeMeaningText(text + " Inconclusive: no single head changes the metric by 1% or more.", true)
            : new ProbeMeaningText(text, false);
    }

    private static string Signed(double d) => d.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
}
