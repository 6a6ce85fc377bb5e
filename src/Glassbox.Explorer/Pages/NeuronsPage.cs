using System.Text;
using Glassbox.Explorer.Hosting;
using Glassbox.Reports;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/neurons?store=&amp;unit=</c>: a neuron's or SAE feature's statistics, histogram and top contexts
/// (tokens coloured by activation) from an activation store written by <c>glassbox neurons harvest</c>.</summary>
public static class NeuronsPage
{
    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/neurons", "Neurons", Body, "neurons.js");

    private static string Body(ExplorerContext cx, HttpContext http)
    {
        var stores = cx.Paths.Stores();
        if (stores.Count == 0)
            return "<p class='empty'>No activation store: start with <code>glassbox serve --store DIR</code> (stores "
                + "are written by <code>glassbox neurons harvest</code>).</p>";
        string chosen = http.Request.Query["store"].ToString();
        var sb = new StringBuilder(
            "<form id='unit-form' class='prompt'><div class='row'><label>Store <select id='store'>"
        );
        foreach (var s in stores)
            sb.Append("<option")
                .Append(s == chosen ? " selected" : "")
                .Append('>')
                .Append(HtmlReport.Esc(s))
                .Append("</option>");
        return sb.Append(
                "</select></label><label>Unit <input id='unit' required placeholder='layer.neuron, e.g. 1.5' value='"
            )
            .Append(PageRegistry.Query(http, "unit"))
            .Append("'></label><label>Top <input id='k' type='number' min='1' max='100' value='10'></label>")
            .Append(
                "<button id='run' type='submit'>Show</button><span id='status' role='status' aria-live='polite'></span>"
            )
            .Append(
                "</div></form><div id='stats'></div><section><h2>Histogram</h2><div id='histogram'></div></section>"
            )
            .Append("<section><h2>Top contexts</h2><div id='scale'></div><div id='excerpts'></div></section>")
            .Append(
                "<section><h2>Search by explanation</h2><p class='hint'>Looks through the <code>neurons score</code> "
                    + "results files (<code>*.json</code>) beside the stores; every word must occur; best-scored first. "
                    + "Click a unit to show it.</p><form id='search-form' class='row'><label>Explanation contains "
                    + "<input id='q' value='"
                    + PageRegistry.Query(http, "q")
                    + "'></label><button id='search' type='submit'>Search</button>"
                    + "<span id='search-status' role='status' aria-live='polite'></span></form><div id='search-results'></div></section>"
            )
            .ToString();
    }
}
