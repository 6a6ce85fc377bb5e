using Glassbox.Explorer.Hosting;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/attribution?text=&amp;target=</c>: which prompt tokens push the model towards a next token, coloured on a
/// diverging scale with a colour bar, with the completeness check of integrated gradients.</summary>
public static class AttributionPage
{
    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/attribution", "Attribution", Body, "attribution.js");

    private static string Body(ExplorerContext cx, HttpContext http) =>
        (cx.Host.Classifier is null ? LmBody(http) : ClassBody(cx, http)) + Tail;

    private static string ClassBody(ExplorerContext cx, HttpContext http) =>
        "<form id='attr-form' class='prompt'><label for='prompt'>Text</label>"
        + "<textarea id='prompt' name='text' rows='3' required>"
        + PageRegistry.Query(http, "text")
        + "</textarea><div class='row'><label>Target class <input id='target' placeholder='the predicted class ("
        + System.Net.WebUtility.HtmlEncode(string.Join(", ", cx.Host.Classifier!.Labels))
        + ")' value='"
        + PageRegistry.Query(http, "target")
        + "'></label>"
        + Controls;

    private static string LmBody(HttpContext http) =>
        "<form id='attr-form' class='prompt'><label for='prompt'>Prompt</label>"
        + "<textarea id='prompt' name='text' rows='3' required>"
        + PageRegistry.Query(http, "text")
        + "</textarea><div class='row'><label>Target next token <input id='target' placeholder='the model&apos;s top token' value='"
        + PageRegistry.Query(http, "target")
        + "'></label>"
        + Controls;

    private const string Controls =
        "<label>Method <select id='method'><option value='ig'>integrated gradients</option>"
        + "<option value='gradxinput'>gradient × input</option></select></label>"
        + "<label>Steps <input id='steps' type='number' min='2' max='256' value='32'></label>"
        + "<button id='run' type='submit'>Attribute</button><span id='status' role='status' aria-live='polite'></span></div></form>";

    private const string Tail =
        "<section><h2>Token attributions</h2><p class='hint'>Blue tokens raise the target logit, red ones lower it "
        + "(integrated gradients from a zero-embedding baseline, or gradient × input; the completeness error says how far the scores' sum is from F(x) − F(baseline)). Hover or focus a token for its score.</p>"
        + "<div id='summary' class='detail' aria-live='polite'></div><div id='bar'></div>"
        + "<div id='tokens' class='tokens'></div><div id='detail' class='detail' aria-live='polite'></div></section>";
}
