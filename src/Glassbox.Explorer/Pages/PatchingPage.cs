using Glassbox.Explorer.Hosting;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/patching?clean=&amp;corrupted=</c>: activation patching between two prompts typed on the page; a
/// layer × position (or head) heatmap of the normalised effect on a logit difference.</summary>
public static class PatchingPage
{
    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/patching", "Patching", Body, "patching.js");

    private static string Field(HttpContext http, string id, string label, string hint) =>
        $"<label>{label} <input id='{id}' placeholder='{hint}' value='{PageRegistry.Query(http, id)}'></label>";

    private static string Body(ExplorerContext cx, HttpContext http) =>
        "<form id='patch-form' class='prompt'><label for='clean'>Clean prompt</label>"
        + "<textarea id='clean' rows='2' required>"
        + PageRegistry.Query(http, "clean")
        + "</textarea><label for='corrupted'>Corrupted prompt (same number of tokens)</label>"
        + "<textarea id='corrupted' rows='2' required>"
        + PageRegistry.Query(http, "corrupted")
        + "</textarea><div class='row'>"
        + Field(http, "answer", "Answer", "top token on clean")
        + Field(http, "wrong", "Wrong", "top token on corrupted")
        + "<label>Patch <select id='hook'><option>resid_pre</option><option>resid_post</option><option>attn_out</option>"
        + "<option>mlp_out</option><option>z</option><option>pattern</option></select></label>"
        + "<label>Mode <select id='mode'><option>denoise</option><option>noise</option></select></label>"
        + "<button id='run' type='submit'>Patch</button><span id='status' role='status' aria-live='polite'></span></div></form>"
        + "<section><h2>Effect of patching</h2><p class='hint'>Each cell restores one activation (denoise: the clean "
        + "run's into the corrupted run) and shows the normalised effect on the metric: 1 = clean behaviour, 0 = "
        + "corrupted. Hover a cell for its raw score.</p><div id='summary' class='detail' aria-live='polite'></div>"
        + "<div id='heatmap' class='scroll'></div></section>"
        + "<section><h2>Causal tracing</h2><p class='hint'>ROME's trace: the subject's token embeddings are corrupted "
        + "with Gaussian noise (3 × the embedding std), then one clean state at a time is restored; cells show the "
        + "indirect effect p(answer | corrupted + restored) − p(answer | corrupted). Subject tokens are starred.</p>"
        + "<form id='trace-form' class='prompt'><label for='trace-text'>Prompt</label><textarea id='trace-text' rows='2' required>"
        + PageRegistry.Query(http, "trace")
        + "</textarea><div class='row'>"
        + Field(http, "subject", "Subject", "a part of the prompt")
        + Field(http, "trace-answer", "Answer", "greedy next token")
        + "<label>States <select id='trace-kind'><option>hidden</option><option>mlp</option><option>attn</option></select></label>"
        + "<label>Noise samples <input id='samples' type='number' min='1' max='20' value='5'></label>"
        + "<button id='trace-run' type='submit'>Trace</button><span id='trace-status' role='status' aria-live='polite'></span></div></form>"
        + "<div id='trace-summary' class='detail' aria-live='polite'></div><div id='trace-map' class='scroll'></div></section>";
}
