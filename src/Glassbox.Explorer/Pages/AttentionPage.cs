using Glassbox.Explorer.Hosting;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/attention?text=&amp;layer=&amp;head=</c>: every head's attention on a prompt (hover a token to see
/// where it attends, a heatmap of the chosen head) and the head detector scores with their uniform control.</summary>
public static class AttentionPage
{
    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/attention", "Attention", Body, "attention.js");

    private static string Body(ExplorerContext cx, HttpContext http) =>
        "<form id='prompt-form' class='prompt'><label for='prompt'>Prompt</label>"
        + "<textarea id='prompt' name='text' rows='3' required>"
        + PageRegistry.Query(http, "text")
        + "</textarea><div class='row'><label>Layer <select id='layer'></select></label>"
        + "<label>Head <select id='head'></select></label>"
        + "<button id='run' type='submit'>Run</button><span id='status' role='status' aria-live='polite'></span></div></form>"
        + "<section><h2>Tokens</h2><p class='hint'>Hover or focus a token: every token is coloured by the attention the "
        + "hovered one pays to it in the chosen head.</p><div id='tokens' class='tokens'></div>"
        + "<div id='detail' class='detail' aria-live='polite'></div></section>"
        + "<section><h2>Pattern</h2><div id='heatmap' class='scroll'></div></section>"
        + "<section><h2>Head detectors</h2><p class='hint'>Scores on seeded repeated random sequences; the control is a "
        + "head that attends uniformly.</p><button id='run-heads' type='button'>Score heads</button> "
        + "<span id='heads-status' role='status'></span><div id='heads' class='scroll'></div></section>";
}
