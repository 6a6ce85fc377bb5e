using System.Text;
using Glassbox.Classification;
using Glassbox.Concepts;
using Glassbox.Explorer.Hosting;
using Glassbox.Reports;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/xmd?text=</c>: the XMD feedback view (served classifier only): a text's prediction and token
/// attributions; mark words as should / should not matter; run the XMD update on a copy of the classifier as a
/// job; compare the texts before and after, side by side.</summary>
public static class XmdPage
{
    /// <summary>How many SST-2 dev sentences the picker offers.</summary>
    private const int Picks = 40;

    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/xmd", "XMD", Body, "xmd.js");

    private static string Body(ExplorerContext cx, HttpContext http)
    {
        if (cx.Host.Classifier is not { } c)
            return "<p class='empty' id='no-classifier'>The XMD feedback view needs a sequence classifier, and "
                + HtmlReport.Esc(cx.ModelName)
                + " is not one. Start the explorer with a classifier directory, e.g. <code>glassbox serve -m "
                + "/work/models/sst2-minilm-full</code> (a model fine-tuned by <code>glassbox classify train</code> or a "
                + "Hugging Face <code>BertForSequenceClassification</code> folder).</p>";
        var sb = new StringBuilder("<form id='text-form' class='prompt'>");
        var dev = ClassifierData.Sst2Labels.SequenceEqual(c.Labels, StringComparer.Ordinal)
            ? BuiltInConcepts.Find(SharedData.Root, "sst2", "dev.tsv")
            : null;
        if (dev is not null)
        {
            sb.Append(
                "<div class='row'><label>Pick an SST-2 dev sentence <select id='pick'><option value=''>…</option>"
            );
            foreach (var (text, label) in BuiltInConcepts.Sst2(dev).Take(Picks))
                sb.Append("<option value='")
                    .Append(HtmlReport.Esc(text))
                    .Append("'>")
                    .Append(HtmlReport.Esc("[" + c.Labels[label] + "] " + text))
                    .Append("</option>");
            sb.Append("</select></label></div>");
        }
        sb.Append("<label for='text'>Text</label><textarea id='text' rows='2' required>")
            .Append(PageRegistry.Query(http, "text"))
            .Append("</textarea><div class='row'><button id='analyse' type='submit'>Predict and attribute</button>")
            .Append("<span id='status' role='status' aria-live='polite'></span></div></form>")
            .Append(
                "<section><h2>Prediction and attributions</h2><p class='hint'>Integrated gradients of the predicted "
            )
            .Append("class's logit: blue raises it, red lowers it. Words are the text split at spaces; a word's score ")
            .Append("is the sum of its tokens'.</p><div id='prediction'></div><div id='bar'></div>")
            .Append("<div id='tokens' class='tokens' aria-label='tokens'></div>")
            .Append("<h3>Mark words</h3><p class='hint'>Click a word, or press Enter or Space on it, to cycle: should ")
            .Append(
                "matter (✓) → should not matter (✗) → no feedback. Keys m and n set a mark, 0 clears it; arrow keys move.</p>"
            )
            .Append("<div id='words' class='tokens' role='group' aria-label='words to mark'></div>")
            .Append("<div class='row'><label>The class this text should get <select id='label'>");
        foreach (var l in c.Labels)
            sb.Append("<option>").Append(HtmlReport.Esc(l)).Append("</option>");
        sb.Append("</select></label><label>Scope <select id='scope'><option value='local'>local: this text</option>")
            .Append("<option value='global'>global: every occurrence</option></select></label>")
            .Append("<button id='add' type='button' disabled>Add to feedback</button></div></section>")
            .Append("<section><h2>Feedback</h2><div id='feedback'><p class='empty'>No feedback yet.</p></div>")
            .Append("<form id='xmd-form'><div class='row'><label>Update data <select id='data'>")
            .Append("<option value='feedback'>the feedback texts only</option>");
        if (dev is not null)
            sb.Append("<option value='sst2'>an SST-2 train sample + the feedback texts</option>");
        sb.Append(
                "</select></label><label>SST-2 texts <input id='max-train' type='number' min='1' max='5000' value='200'></label>"
            )
            .Append("<label>Epochs <input id='epochs' type='number' min='1' max='50' value='5'></label>")
            .Append("<label>Learning rate <input id='lr' value='5e-5' size='7'></label>")
            .Append("<label>Explanation <select id='er-method'><option>occlusion</option><option>gradxinput</option>")
            .Append("<option>ig</option><option>saliency</option><option>attention</option></select></label>")
            .Append(
                "<label>λ <input id='er-weight' type='number' min='0' max='100' step='0.1' value='1'></label></div>"
            )
            .Append("<div class='row'><button id='run' type='submit' disabled>Run XMD update</button>")
            .Append("<button id='cancel' type='button' disabled>Cancel</button>")
            .Append("<span id='xmd-status' role='status' aria-live='polite'></span></div></form><p class='hint'>")
            .Append("The update fine-tunes a copy of the served classifier; the served one never changes. ")
            .Append(
                cx.Options.Out is null
                    ? "The copy lives in memory only (the latest one; a new update replaces it; start with --out DIR to save it)."
                    : "The copy is kept in memory (the latest one) and saved in a new folder under "
                        + HtmlReport.Esc(cx.Options.Out)
                        + "."
            )
            .Append("</p><ol id='progress' class='progress' aria-label='progress'></ol></section>")
            .Append("<section><h2>Before and after</h2><div id='summary'></div><div id='changes' class='scroll'></div>")
            .Append("<div id='comparisons'></div><form id='compare-form' class='row'><label>Compare another text ")
            .Append(
                "<input id='compare-text' size='50'></label><button id='compare' type='submit' disabled>Compare</button>"
            )
            .Append(
                "<span id='compare-status' role='status' aria-live='polite'></span></form><div id='compare-out'></div></section>"
            );
        return sb.ToString();
    }
}
