using System.Text;
using Glassbox.Explorer.Hosting;
using Glassbox.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Glassbox.Explorer.Pages;

/// <summary>One page of the explorer. A new page is one file in Pages/ that returns one of these, one line in
/// <see cref="PageRegistry.All"/>, and (for a live page) one script in wwwroot/.</summary>
/// <param name="Path">URL path, e.g. "/attention".</param>
/// <param name="Title">Title in the navigation bar and the tab.</param>
/// <param name="Body">Server-rendered HTML of the page's main element (escape everything from the model or user).</param>
/// <param name="Script">Embedded script the page runs (wwwroot/NAME), or null.</param>
public sealed record ExplorerPage(
    string Path,
    string Title,
    Func<ExplorerContext, HttpContext, string> Body,
    string? Script = null
);

/// <summary>Every page, and the shell (navigation, styles, scripts) around them.</summary>
public static class PageRegistry
{
    /// <summary>The pages, in navigation order.</summary>
    public static IReadOnlyList<ExplorerPage> All { get; } =
    [
        OverviewPage.Page,
        PlaygroundPage.Page,
        AttentionPage.Page,
        AttributionPage.Page,
        PatchingPage.Page,
        NeuronsPage.Page,
        ProbingPage.Page,
        TcavPage.Page,
        XmdPage.Page,
    ];

    /// <summary>Maps <c>GET</c> on every page's path.</summary>
    public static void Map(WebApplication app, ExplorerContext cx)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(cx);
        foreach (var page in All)
            app.MapGet(page.Path, (HttpContext http) =>
                Results.Content(Render(cx, page, http), "text/html; charset=utf-8")
            );
    }

    /// <summary>The whole HTML document of <paramref name="page"/>.</summary>
    public static string Render(ExplorerContext cx, ExplorerPage page, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(cx);
        ArgumentNullException.ThrowIfNull(page);
        string v = HtmlReport.Esc(GlassboxRuntime.Version);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>")
            .Append(
                "<meta name='viewport' content='width=device-width, initial-scale=1'><link rel='icon' href='data:,'>"
            )
            .Append("<title>")
            .Append(HtmlReport.Esc(page.Title + " · " + cx.ModelName + " · Glassbox"))
            .Append("</title><link rel='stylesheet' href='/static/site.css?v=")
            .Append(v)
            .Append("'></head><body><header><a class='brand' href='/'>Glassbox</a><nav aria-label='pages'>");
        foreach (var p in All)
            sb.Append("<a href='")
                .Append(HtmlReport.Esc(p.Path))
                .Append('\'')
                .Append(p == page ? " aria-current='page'" : "")
                .Append('>')
                .Append(HtmlReport.Esc(p.Title))
                .Append("</a>");
        sb.Append("</nav><span class='model' title='loaded model'>")
            .Append(HtmlReport.Esc(cx.ModelName))
            .Append("</span></header><main id='main'><h1>")
            .Append(HtmlReport.Esc(page.Title))
            .Append("</h1>")
            .Append(page.Body(cx, http))
            .Append("</main><script src='/static/common.js?v=")
            .Append(v)
            .Append("'></script>");
        if (page.Script is not null)
            sb.Append("<script src='/static/")
                .Append(HtmlReport.Esc(page.Script))
                .Append("?v=")
                .Append(v)
                .Append("'></script>");
        sb.Append("</body></html>");
        return sb.ToString();
    }

    /// <summary>The query parameter <paramref name="name"/>, HTML-escaped for an attribute, or "".</summary>
    public static string Query(HttpContext http, string name)
    {
        ArgumentNullException.ThrowIfNull(http);
        return HtmlReport.Esc(http.Request.Query[name].ToString());
    }
}
