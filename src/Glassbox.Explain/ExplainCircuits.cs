using System.Globalization;
using Glassbox.Circuits;
using Glassbox.Circuits.Detectors;
using Glassbox.Circuits.Lens;
using Glassbox.Circuits.Patching;
using Glassbox.Models;
using Glassbox.Reports;

namespace Glassbox.Explain;

/// <summary>What the circuits sections of <c>explain</c> found.</summary>
/// <param name="LabelledHeads">Heads with a detector label, e.g. "L1H3: previous-token".</param>
/// <param name="CleanPrompt">The name-copying prompt used for the logit lens and patching, if one was found.</param>
/// <param name="CorruptedPrompt">The same prompt with another name.</param>
/// <param name="CleanLogitDiff">logit(name) - logit(other name) on the clean prompt.</param>
/// <param name="CorruptedLogitDiff">The same on the corrupted prompt.</param>
/// <param name="Note">Why a part was skipped, if one was.</param>
public sealed record ExplainCircuitsSummary(
    IReadOnlyList<string> LabelledHeads,
    string? CleanPrompt,
    string? CorruptedPrompt,
    float? CleanLogitDiff,
    float? CorruptedLogitDiff,
    string? Note
);

/// <summary>The circuits sections of <c>explain</c>: head detectors for every model; for causal language models also the
/// logit lens on a prompt whose answer is a name seen earlier and activation-patching heatmaps of where that name is
/// moved. For encoders a section says why the logit lens and patching are absent (attention rollout and head ablations
/// are in the attention-head sections of the probing part). Every section ends with the command that reproduces it.</summary>
public static class ExplainCircuits
{
    /// <summary>Why the logit lens and activation patching are not run on encoders.</summary>
    public const string EncoderReason =
        "The logit lens decodes each layer through the next-token unembedding, and the patching sections measure the "
        + "logit difference between two next-token answers; an encoder has neither a next-token head nor a left-to-right prediction to patch.";

    /// <summary>Adds the sections and returns what they found.</summary>
    public static ExplainCircuitsSummary AddTo(
        HtmlReport report,
        HookedTransformer model,
        string sample,
        Action<string>? status
    )
    {
        string m = model.CliArgument();
        status?.Invoke("circuits: head detectors");
        var heads = HeadDetectors.Run(model);
        CircuitSections.HeadDetectors(model.Name, heads, report);
        var labelled = heads
            .Heads.Where(h => h.Labels.Count > 0)
            .Select(h =>
                string.Create(CultureInfo.InvariantCulture, $"L{h.Layer}H{h.Head}: {string.Join(", ", h.Labels)}")
            )
            .ToList();
        report.Append(
            "head-detectors",
            DetectorMeaning(heads, labelled.Count, model.Config.Causal)
                + Repro(string.Create(CultureInfo.InvariantCulture, $"heads -m {m}"))
        );
        if (!model.Config.Causal || !model.Config.HasUnembed)
        {
            string why = model.Config.Causal ? "the model has no unembedding (language-model head)." : EncoderReason;
            report.Add(
                "lens-patching-absent",
                "Logit lens and activation patching (not run)",
                HtmlReport.Paragraph(
                    $"Not run on {model.Name}: {why} For an encoder the circuit-level evidence in this report is the head detectors above, and attention "
                        + "rollout and head ablations (masking each head and re-measuring a probe's accuracy) in the attention-head sections. "
                        + "Run the report on a causal LM for these sections:"
                ) + Repro("explain -m stories260k --out report.html")
            );
            return new ExplainCircuitsSummary(labelled, null, null, null, null, why);
        }
        if (model.Tokenizer is null)
            return new ExplainCircuitsSummary(
                labelled,
                null,
                null,
                null,
                null,
                "the model has no tokenizer: the logit lens and patching need a text prompt"
            );

        status?.Invoke("circuits: looking for a name-copying prompt");
        var pair = NamePrompts.Pairs(model, completedOnly: true).Cast<(TracePrompt, TracePrompt)?>().FirstOrDefault();
        if (pair is null)
        {
            var ids = model.Tokenizer.Encode(sample).Ids;
            int target = TracePrompt.Greedy(model, ids);
            var lens = LogitLens.Run(model, ids, new LogitLensOptions { Target = target });
            CircuitSections.LogitLens(model.Name, lens, report);
            report.Append(
                "logit-lens",
                LensMeaning(lens)
                    + Repro(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"lens -m {m} --token-ids {Ids(ids)} --target '#{target}'"
                        )
                    )
            );
            const string why =
                "no built-in story prompt made the model repeat a name, so activation patching was skipped; run `glassbox patch` with your own clean/corrupted prompts";
            report.Add("patching-skipped", "Activation patching", HtmlReport.Paragraph(why));
            return new ExplainCircuitsSummary(labelled, null, null, null, null, why);
        }
        var (clean, corrupted) = pair.Value;
        status?.Invoke("circuits: logit lens");
        var lensResult = LogitLens.Run(model, clean.Ids, new LogitLensOptions { Target = clean.Answer });
        CircuitSections.LogitLens(model.Name, lensResult, report);
        report.Append(
            "logit-lens",
            LensMeaning(lensResult)
                + Repro(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"lens -m {m} --token-ids {Ids(clean.Ids)} --target '#{clean.Answer}'"
                    )
                )
        );
        status?.Invoke("circuits: activation patching");
        var metric = PatchMetric.LogitDiff(
            clean.Answer,
            corrupted.Answer,
            label: "logit difference (clean name - corrupted name) at the last position"
        );
        var sweeps = ActivationPatching.Sweep(
            model,
            clean.Ids,
            corrupted.Ids,
            metric,
            new[] { PatchKind.ResidPre, PatchKind.Z }
        );
        var (resid, z) = (sweeps[0], sweeps[1]);
        string patch = string.Create(
            CultureInfo.InvariantCulture,
            $"patch -m {m} --clean-ids {Ids(clean.Ids)} --corrupted-ids {Ids(corrupted.Ids)} --answer '#{clean.Answer}' --wrong '#{corrupted.Answer}'"
        );
        string intro =
            $"Clean prompt: \u201c{clean.Text}\u201d; corrupted: \u201c{corrupted.Text}\u201d (same length, only the name differs). "
            + "Each cell patches one activation of the clean run into the corrupted run; 1 means the clean answer is fully restored.";
        report.Add(
            "patching-prompts",
            "Activation patching: prompts",
            HtmlReport.Paragraph(intro)
                + HtmlReport.Meaning(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"The clean run prefers the clean name by {resid.CleanScore:F2} logits, the corrupted run by {resid.CorruptedScore:F2}; the heatmaps below say which activations carry that difference. "
                    )
                        + "Scores are single deterministic runs (no interval); cells near 0 change nothing, cells near 1 restore the clean answer alone.",
                    !(resid.CleanScore > resid.CorruptedScore)
                )
                + Repro(patch + " --hook resid_pre")
        );
        resid.AddTo(report, "Activation patching: residual stream (layer × position)");
        z.AddTo(report, "Activation patching: head outputs (layer × head)");
        report.Append("patch-" + PatchKind.ResidPre.Name(), Repro(patch + " --hook resid_pre"));
        report.Append("patch-" + PatchKind.Z.Name(), Repro(patch + " --hook z"));
        return new ExplainCircuitsSummary(
            labelled,
            clean.Text,
            corrupted.Text,
            resid.CleanScore,
            resid.CorruptedScore,
            null
        );
    }

    private static string DetectorMeaning(HeadDetectorResult r, int labelled, bool causal)
    {
        var best = HeadDetectors.Names.Select((n, d) => (n, r.Heads.MaxBy(h => Score(h, d))!, d)).ToList();
        string tops = string.Join(
            "; ",
            best.Select(x =>
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{x.n} L{x.Item2.Layer}H{x.Item2.Head} {Score(x.Item2, x.d):F2} vs {r.UniformBaseline[x.n]:F2}"
                )
            )
        );
        string text =
            string.Create(
                CultureInfo.InvariantCulture,
                $"{labelled} of {r.Heads.Count} heads reach the {r.Options.Threshold} threshold on some detector. Best head per detector against uniform attention (the control): {tops}. "
            )
            + (
                causal
                    ? ""
                    : "This encoder attends in both directions, so the control spreads attention over the whole sequence; "
            )
            + "scores are mean attention weights (± standard deviation over sequences), not intervals.";
        bool inconclusive = best.All(x => Score(x.Item2, x.d) < r.Options.Threshold);
        return HtmlReport.Meaning(inconclusive ? text + " No head reaches the threshold." : text, inconclusive);
    }

    private static double Score(HeadScore h, int detector) =>
        detector switch
        {
            0 => h.PreviousToken,
            1 => h.DuplicateToken,
            2 => h.Induction,
            _ => h.FirstToken,
        };

    private static string LensMeaning(LogitLensResult r) =>
        HtmlReport.Meaning(
            "Each row is what the model would predict if it stopped after that layer; the layer where the target's probability rises is where the answer "
                + string.Create(
                    CultureInfo.InvariantCulture,
                    $"becomes readable in the residual stream. Control: the last row equals the model's output (max |diff| {r.LastLayerMaxAbsDiff:G3}); no interval (one prompt)."
                )
        );

    private static string Repro(string args) => HtmlReport.Reproduce("glassbox " + args);

    private static string Ids(IEnumerable<int> ids) =>
        string.Join(",", ids.Select(i => i.ToString(CultureInfo.InvariantCulture)));
}
