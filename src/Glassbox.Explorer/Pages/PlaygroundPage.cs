using Glassbox.Explorer.Hosting;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/playground?text=</c>: type a prompt; see its tokens, the top next tokens at each one (hover or focus
/// a token), and the logit lens: the top token of every layer at every position, coloured by probability.</summary>
public static class PlaygroundPage
{
    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/playground", "Playground", Body, "playground.js");

    private static string Body(ExplorerContext cx, HttpContext http) =>
        "<form id='prompt-form' class='prompt'><label for='prompt'>Prompt</label>"
        + "<textarea id='prompt' name='text' rows='3' required>"
        + PageRegistry.Query(http, "text")
        + "</textarea><div class='row'><label>Top k <input id='topk' type='number' min='1' max='50' value='5'></label>"
        + "<button id='run' type='submit'>Run</button><span id='status' role='status' aria-live='polite'></span></div></form>"
        + "<section><h2>Tokens</h2><p class='hint'>Hover or focus (Tab) a token to see what the model predicts next there.</p>"
        + "<div id='tokens' class='tokens'></div><div id='detail' class='detail' aria-live='polite'></div></section>"
        + "<section><h2>Logit lens</h2><p class='hint'>Each row decodes one layer's residual stream through the final "
        + "norm and unembedding; cells show the top token and are coloured by its probability.</p>"
        + "<div id='lens' class='scroll'></div></section>";
}
