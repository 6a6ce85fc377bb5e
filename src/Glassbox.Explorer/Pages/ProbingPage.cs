using Glassbox.Explorer.Hosting;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/probing</c>: trains the built-in UPOS probe on every layer as a background job (progress streamed,
/// cancellable) and draws accuracy with 95% bands against the control task, the random-weights model and the
/// majority class.</summary>
public static class ProbingPage
{
    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/probing", "Probing", Body, "probing.js");

    private static string Body(ExplorerContext cx, HttpContext http) =>
        "<form id='probe-form' class='prompt'><p>Part-of-speech (UPOS) probe on generated sentences whose content "
        + "words are noun/verb-ambiguous, as <code>glassbox probe pos --builtin</code>.</p><div class='row'>"
        + "<label>Sentences <input id='sentences' type='number' min='20' max='2000' value='200'></label>"
        + "<label>Seed <input id='seed' type='number' value='0'></label>"
        + "<button id='run' type='submit'>Train probes</button><button id='cancel' type='button' disabled>Cancel</button>"
        + "<span id='status' role='status' aria-live='polite'></span></div></form>"
        + "<ol id='progress' class='progress' aria-label='progress'></ol><section><div id='curve'></div></section>";
}
