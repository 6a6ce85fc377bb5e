using System.Globalization;
using System.Text;
using System.Text.Json;
using Glassbox.Models;
using Glassbox.Reports;
using Glassbox.Tokenization;

namespace Glassbox.Circuits.Detectors;

/// <summary>Attention patterns of one text as pictures: an interactive, self-contained HTML view and static SVG heatmaps.</summary>
public static class AttentionView
{
    /// <summary>Attention patterns of one sequence: [layer][head] → [query, key] weights.</summary>
    public static float[][][,] Patterns(HookedTransformer model, IReadOnlyList<int> ids)
    {
        var roles = new Views.TokenRoles(ids, new bool[ids.Count], false, false);
        var a = Views.AttentionExtractor.Extract(model, new[] { roles })[0];
        return Enumerable
            .Range(0, a.Layers)
            .Select(l => Enumerable.Range(0, a.Heads).Select(h => a.Map(l, h)).ToArray())
            .ToArray();
    }

    /// <summary>A static SVG heatmap (queries as rows, keys as columns) of one head's pattern.</summary>
    public static string HeatmapSvg(IReadOnlyList<string> tokens, float[,] pattern, string caption)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var labels = tokens
            .Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"{i}:{TokenDisplay.Label(t)}"))
            .ToList();
        return HtmlReport.Heatmap(pattern, labels, labels, caption, 0f, 1f, cell: 12, sqrtScale: true);
    }

    /// <summary>An interactive HTML fragment (inline script, no external files): choose a head, hover a token to
    /// colour every token by the attention it receives from the hovered one.</summary>
    /// <param name="tokens">Token texts.</param>
    /// <param name="patterns">[layer][head] → [query, key] weights.</param>
    /// <param name="headLabels">Optional label per head ("L1H3 induction"), keyed "L{l}H{h}".</param>
    public static string InteractiveHtml(
        IReadOnlyList<string> tokens,
        float[][][,] patterns,
        IReadOnlyDictionary<string, string>? headLabels = null
    )
    {
        string id = "att" + Guid.NewGuid().ToString("N")[..8];
        int p = tokens.Count;
        var att = new StringBuilder("[");
        for (int l = 0; l < patterns.Length; l++)
        {
            if (l > 0)
                att.Append(',');
            att.Append('[');
            for (int h = 0; h < patterns[l].Length; h++)
            {
                if (h > 0)
                    att.Append(',');
                att.Append('[');
                for (int q = 0; q < p; q++)
                {
                    if (q > 0)
                        att.Append(',');
                    att.Append('[');
                    for (int k = 0; k < p; k++)
                    {
                        if (k > 0)
                            att.Append(',');
                        att.Append(Math.Round(patterns[l][h][q, k], 3).ToString(CultureInfo.InvariantCulture));
                    }
                    att.Append(']');
                }
                att.Append(']');
            }
            att.Append(']');
        }
        att.Append(']');
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<div id='{id}' class='attview'><label>Head <select id='{id}-sel'>");
        for (int l = 0; l < patterns.Length; l++)
        for (int h = 0; h < patterns[l].Length; h++)
        {
            string key = string.Create(CultureInfo.InvariantCulture, $"L{l}H{h}");
            string label =
                headLabels is not null && headLabels.TryGetValue(key, out var s) && s.Length > 0 ? $"{key} ({s})" : key;
            sb.Append(CultureInfo.InvariantCulture, $"<option value='{l},{h}'>{HtmlReport.Esc(label)}</option>");
        }
        sb.Append(
            "</select></label> <span style='font-size:12px;color:#666'>hover a token: colour = attention it pays to each token</span>"
        );
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<div id='{id}-toks' style='font-family:monospace;line-height:2;margin-top:6px'>"
        );
        for (int i = 0; i < p; i++)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<span data-i='{i}' style='padding:2px 1px;margin:1px;border:1px solid #ddd;white-space:pre'>{HtmlReport.Esc(TokenDisplay.Label(tokens[i]))}</span>"
            );
        sb.Append("</div></div>");
        sb.Append("<script>(function(){var A=")
            .Append(att)
            .Append(";var root=document.getElementById('")
            .Append(id)
            .Append("');var sel=document.getElementById('")
            .Append(id)
            .Append("-sel');var spans=root.querySelectorAll('span[data-i]');")
            .Append(
                "function paint(i){var lh=sel.value.split(',');var row=A[+lh[0]][+lh[1]][i];spans.forEach(function(s,k){var v=row[k];"
            )
            .Append(
                "s.style.background=k==i?'#ffd8a8':'rgba(31,95,191,'+Math.sqrt(v).toFixed(3)+')';s.title=(v*100).toFixed(1)+'%';});}"
            )
            .Append("spans.forEach(function(s){s.addEventListener('mouseenter',function(){paint(+s.dataset.i);});});")
            .Append(
                "sel.addEventListener('change',function(){paint(spans.length-1);});paint(spans.length-1);})();</script>"
            );
        return sb.ToString();
    }

    /// <summary>Serialises patterns as JSON ([layer][head][q][k]) for machines.</summary>
    public static string Json(float[][][,] patterns) =>
        JsonSerializer.Serialize(
            patterns
                .Select(l =>
                    l.Select(h =>
                            Enumerable
                                .Range(0, h.GetLength(0))
                                .Select(q => Enumerable.Range(0, h.GetLength(1)).Select(k => h[q, k]).ToArray())
                                .ToArray()
                        )
                        .ToArray()
                )
                .ToArray()
        );
}
