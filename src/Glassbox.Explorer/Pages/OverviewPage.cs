using System.Globalization;
using System.Text;
using Glassbox.Explorer.Hosting;
using Glassbox.Reports;

namespace Glassbox.Explorer.Pages;

/// <summary><c>/</c>: the model overview: config, parameter counts, hook points with shapes (server-rendered, as
/// <c>glassbox info</c>; the same data is <c>GET /api/model</c>).</summary>
public static class OverviewPage
{
    /// <summary>The page.</summary>
    public static ExplorerPage Page { get; } = new("/", "Model", Body, "overview.js");

    private static string Body(ExplorerContext cx, Microsoft.AspNetCore.Http.HttpContext http)
    {
        var info = cx.Host.Info;
        var sb = new StringBuilder();
        sb.Append("<p class='lead'>")
            .Append(HtmlReport.Esc(info.Name))
            .Append(info.Source is null ? "" : " from " + HtmlReport.Esc(info.Source.ToString()))
            .Append(". Other pages: type a prompt in the playground, read attention heads, browse neurons from an ")
            .Append("activation store, train probes.</p>")
            .Append(Classifier(cx))
            .Append("<div class='cols'><section><h2>Config</h2>")
            .Append(HtmlReport.Table(["field", "value"], info.Config.Select(kv => new[] { kv.Key, kv.Value })))
            .Append("</section><section><h2>Parameters</h2>")
            .Append(
                HtmlReport.Table(
                    ["component", "parameters"],
                    info.ParameterCounts.Select(kv =>
                        new[] { kv.Key, kv.Value.ToString("N0", CultureInfo.InvariantCulture) }
                    )
                )
            )
            .Append("</section></div><section><h2>Hook points</h2><p>")
            .Append(info.Hooks.Count.ToString(CultureInfo.InvariantCulture))
            .Append(
                " hooks. <label>Filter <input id='hook-filter' type='search' placeholder='e.g. attn or 3'></label></p>"
            )
            .Append(
                "<div class='scroll'><table id='hooks'><thead><tr><th>hook</th><th>layer</th><th>shape</th></tr></thead><tbody>"
            );
        foreach (var h in info.Hooks)
            sb.Append("<tr><td><code>")
                .Append(HtmlReport.Esc(h.Name))
                .Append("</code></td><td>")
                .Append(h.Layer?.ToString(CultureInfo.InvariantCulture) ?? "-")
                .Append("</td><td><code>")
                .Append(HtmlReport.Esc(h.Shape))
                .Append("</code></td></tr>");
        return sb.Append("</tbody></table></div></section>").ToString();
    }

    /// <summary>The served classifier's labels and head, or "" for a plain model.</summary>
    private static string Classifier(ExplorerContext cx)
    {
        if (cx.Host.Classifier is not { } c)
            return "";
        var info = Api.ModelApi.Describe(c, cx.Options.Out);
        return "<section id='classifier'><h2>Sequence classifier</h2><p>The other pages run on its encoder; "
            + "<a href='/tcav'>TCAV</a> tests concepts against its classes and <a href='/xmd'>XMD</a> updates a copy "
            + "of it from feedback on words.</p>"
            + HtmlReport.Table(
                ["field", "value"],
                [
                    [
                        "labels",
                        string.Join(
                            ", ",
                            info.Labels.Select((l, i) => string.Create(CultureInfo.InvariantCulture, $"{i}: {l}"))
                        ),
                    ],
                    ["pooling", info.Pooling],
                    ["dropout", info.Dropout.ToString("G3", CultureInfo.InvariantCulture)],
                    ["head parameters", info.HeadParameters.ToString("N0", CultureInfo.InvariantCulture)],
                    ["XMD updates saved under", info.Output ?? "nowhere (memory only; serve --out DIR saves them)"],
                ]
            )
            + "</section>";
    }
}
