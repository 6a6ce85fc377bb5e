using System.Globalization;
using Glassbox.Circuits;
using Glassbox.Circuits.Detectors;
using Glassbox.Circuits.Lens;
using Glassbox.Circuits.Patching;
using Glassbox.Models;
using Glassbox.Reports;

namespace Glassbox.Explain;

/// <summary>What the circuits section of <c>explain</c> found (causal LMs only).</summary>
/// <param name="LabelledHeads">Heads with a detector label, e.g. "L1H3: previous-token".</param>
/// <param name="CleanPrompt">The name-copying prompt used for the logit lens and patching, if one was found.</param>
/// <param name="CorruptedPrompt">The same prompt with another name.</param>
/// <param name="CleanLogitDiff">logit(name) - logit(other name) on the clean prompt.</param>
/// <param name="CorruptedLogitDiff">The same on the corrupted prompt.</param>
/// <param name="Note">Why a part was skipped, if one was.</param>
public sealed record ExplainCircuitsSummary(IReadOnlyList<string> LabelledHeads, string? CleanPrompt, string? CorruptedPrompt,
    float? CleanLogitDiff, float? CorruptedLogitDiff, string? Note);

/// <summary>The circuits sections that <c>explain</c> adds for causal language models: the head-detector table, the
/// logit lens on a prompt whose answer is a name seen earlier, and activation-patching heatmaps of where that name is
/// moved (residual stream by layer × position, head outputs by layer × head).</summary>
public static class ExplainCircuits
{
    /// <summary>Adds the sections; returns null (and adds nothing) for encoders and models without an unembedding.</summary>
    public static ExplainCircuitsSummary? AddTo(HtmlReport report, HookedTransformer model, string sample, Action<string>? status)
    {
        if (!model.Config.Causal || !model.Config.HasUnembed) return null;
        status?.Invoke("circuits: head detectors");
        var heads = HeadDetectors.Run(model);
        CircuitSections.HeadDetectors(model.Name, heads, report);
        var labelled = heads.Heads.Where(h => h.Labels.Count > 0).Select(h => string.Create(CultureInfo.InvariantCulture, $"L{h.Layer}H{h.Head}: {string.Join(", ", h.Labels)}")).ToList();
        if (model.Tokenizer is null)
            return new ExplainCircuitsSummary(labelled, null, null, null, null, "the model has no tokenizer: the logit lens and patching need a text prompt");

        status?.Invoke("circuits: looking for a name-copying prompt");
        var pair = NamePrompts.Pairs(model, completedOnly: true).Cast<(TracePrompt, TracePrompt)?>().FirstOrDefault();
        if (pair is null)
        {
            var ids = model.Tokenizer.Encode(sample).Ids;
            var lens = LogitLens.Run(model, ids, new LogitLensOptions { Target = TracePrompt.Greedy(model, ids) });
            CircuitSections.LogitLens(model.Name, lens, report);
            const string why = "no built-in story prompt made the model repeat a name, so activation patching was skipped; run `glassbox patch` with your own clean/corrupted prompts";
            report.Add("patching-skipped", "Activation patching", HtmlReport.Paragraph(why));
            return new ExplainCircuitsSummary(labelled, null, null, null, null, why);
        }
        var (clean, corrupted) = pair.Value;
        status?.Invoke("circuits: logit lens");
        CircuitSections.LogitLens(model.Name, LogitLens.Run(model, clean.Ids, new LogitLensOptions { Target = clean.Answer }), report);
        status?.Invoke("circuits: activation patching");
        var metric = PatchMetric.LogitDiff(clean.Answer, corrupted.Answer, label: "logit difference (clean name - corrupted name) at the last position");
        var sweeps = ActivationPatching.Sweep(model, clean.Ids, corrupted.Ids, metric, new[] { PatchKind.ResidPre, PatchKind.Z });
        var (resid, z) = (sweeps[0], sweeps[1]);
        string intro = $"Clean prompt: \u201c{clean.Text}\u201d; corrupted: \u201c{corrupted.Text}\u201d (same length, only the name differs). " +
            "Each cell patches one activation of the clean run into the corrupted run; 1 means the clean answer is fully restored.";
        report.Add("patching-prompts", "Activation patching: prompts", HtmlReport.Paragraph(intro));
        resid.AddTo(report, "Activation patching: residual stream (layer × position)");
        z.AddTo(report, "Activation patching: head outputs (layer × head)");
        return new ExplainCircuitsSummary(labelled, clean.Text, corrupted.Text, resid.CleanScore, resid.CorruptedScore, null);
    }
}
