using System.Globalization;
using System.Text;
using Glassbox.Concepts;
using Glassbox.Explorer.Hosting;
using Glassbox.Reports;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/tcav</c>: does the model use a human concept (built-in or typed as examples) for a class of the served
/// classifier or a language model's next token, and more than random sets? Bars per layer and concept with the
/// bootstrap interval, the random baseline, Holm-adjusted significance and the effect size, run as a background job.</summary>
public static class TcavPage
{
    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/tcav", "TCAV", Body, "tcav.js");

    private static string Body(ExplorerContext cx, HttpContext http)
    {
        string? data = SharedData.Root;
        bool lexicons = BuiltInConcepts.Find(data, "ud-english-ewt", "en_ewt-ud-dev.conllu") is not null;
        bool corpus =
            BuiltInConcepts.Find(data, "sst2", "train.tsv") is not null
            || BuiltInConcepts.Find(data, "tinystories", "tinystories_sample.txt") is not null;
        var c = cx.Host.Classifier;
        bool sst2Dev = c is { LabelCount: 2 } && BuiltInConcepts.Find(data, "sst2", "dev.tsv") is not null;
        var sb = new StringBuilder(
            "<form id='tcav-form' class='prompt'><fieldset><legend>Concepts</legend><div class='row'>"
        );
        foreach (var name in BuiltInConcepts.Names)
        {
            bool usable = lexicons || name == BuiltInConcepts.ColourWords;
            sb.Append("<label><input type='checkbox' name='concept' value='")
                .Append(HtmlReport.Esc(name))
                .Append('\'')
                .Append(usable ? "" : " disabled")
                .Append("> ")
                .Append(HtmlReport.Esc(name))
                .Append("</label>");
        }
        sb.Append("</div>");
        if (!lexicons)
            sb.Append(
                "<p class='hint'>The lexicon concepts need the shared data folder (ud-english-ewt, opinion lexicon, VADER); only colour-words is built into the code.</p>"
            );
        sb.Append(
                "<div class='row'><label>Your concept <input id='custom-name' placeholder='name, e.g. food'></label></div>"
            )
            .Append("<label for='custom'>Its examples, one per line (10 or more words or sentences)</label>")
            .Append("<textarea id='custom' rows='4'></textarea></fieldset><div class='row'>");
        if (c is not null)
        {
            sb.Append("<label>Target class <select id='target'>");
            for (int i = 0; i < c.LabelCount; i++)
                sb.Append("<option")
                    .Append(i == c.LabelCount - 1 ? " selected" : "")
                    .Append('>')
                    .Append(HtmlReport.Esc(c.Labels[i]))
                    .Append("</option>");
            sb.Append("</select></label>");
        }
        else
            sb.Append(
                "<label>Target next token <input id='target' required placeholder='one token (a leading space counts)'></label>"
            );
        sb.Append("</div>");
        if (sst2Dev)
            sb.Append(
                "<div class='row'><label><input type='checkbox' id='sst2-dev' checked> Inputs: the SST-2 dev sentences of the target class</label></div>"
            );
        sb.Append("<label for='inputs'>Inputs: texts whose prediction is explained, one per line")
            .Append(sst2Dev ? " (used when the box above is cleared)" : "")
            .Append(
                "</label><textarea id='inputs' rows='3'></textarea><fieldset><legend>Layers</legend><div class='row'>"
            );
        for (int l = 0; l < cx.Host.Model.Config.NLayers; l++)
            sb.Append(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"<label><input type='checkbox' name='layer' value='{l}' checked> L{l}</label>"
                )
            );
        sb.Append("</div></fieldset><div class='row'>")
            .Append("<label>Random runs <input id='random-runs' type='number' min='2' max='100' value='10'></label>")
            .Append(
                "<label>Examples per random set <input id='examples' type='number' min='8' max='500' value='50'></label>"
            )
            .Append("<label>Hook <select id='hook'><option>resid_post</option><option>resid_pre</option>")
            .Append("<option>attn_out</option><option>mlp_out</option></select></label>")
            .Append("<label>Pooling <select id='pooling'><option>mean</option><option>token</option></select></label>")
            .Append("<label>Seed <input id='seed' type='number' value='0'></label></div>")
            .Append("<details")
            .Append(corpus ? "" : " open")
            .Append("><summary>Random corpus</summary><p class='hint'>")
            .Append(
                corpus
                    ? "Random sets are drawn from SST-2 train (else TinyStories) in the shared data; sentences typed here replace it."
                    : "The shared data has no SST-2 or TinyStories: type 20 or more sentences to draw random sets from."
            )
            .Append(
                "</p><textarea id='random-corpus' rows='3' aria-label='random corpus, one sentence per line'></textarea></details>"
            )
            .Append("<div class='row'><button id='run' type='submit'>Run TCAV</button>")
            .Append("<button id='cancel' type='button' disabled>Cancel</button>")
            .Append("<span id='status' role='status' aria-live='polite'></span></div></form>")
            .Append("<ol id='progress' class='progress' aria-label='progress'></ol>")
            .Append(
                "<section><h2>TCAV scores</h2><p class='hint'>Per concept and layer: the TCAV score (the fraction of "
            )
            .Append(
                "inputs whose target rises along the concept direction; mean over random runs) with its 95% bootstrap "
            )
            .Append(
                "interval as an error bar, and the random-vs-random baseline as a grey band with a dashed mean. A filled "
            )
            .Append("dot marks Holm-adjusted p &lt; 0.05 (over every concept and layer of the run), a hollow one no ")
            .Append(
                "significance. Bars are coloured by the effect size (Cohen's d against the random scores). Hover or "
            )
            .Append("focus a bar (Tab) for its numbers; the table below has them all.</p>")
            .Append("<div id='summary'></div><div id='chart' class='scroll'></div>")
            .Append(
                "<div id='detail' class='detail' aria-live='polite'></div><div id='table' class='scroll'></div></section>"
            );
        return sb.ToString();
    }
}
