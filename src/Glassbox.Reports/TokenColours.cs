using System.Globalization;
using System.Text;

namespace Glassbox.Reports;

/// <summary>Tokens coloured by a signed score (attributions) on a diverging blue-white-red scale centred on 0, with a
/// horizontal colour bar; every number is written with the invariant culture and every token is HTML-escaped.</summary>
public static class TokenColours
{
    /// <summary>One block of coloured lines (one per sequence) sharing one scale, followed by its colour bar.</summary>
    /// <param name="lines">Per line: a caption (may be empty), the token labels and one score per token.</param>
    /// <param name="unit">What the scores are (shown under the bar).</param>
    /// <exception cref="ArgumentException">A line has a different number of tokens and scores.</exception>
    public static string Html(
        IReadOnlyList<(string Caption, IReadOnlyList<string> Tokens, IReadOnlyList<double> Scores)> lines,
        string unit
    )
    {
        ArgumentNullException.ThrowIfNull(lines);
        double lim = 0;
        foreach (var (_, tokens, scores) in lines)
        {
            if (tokens.Count != scores.Count)
                throw new ArgumentException("every token needs one score", nameof(lines));
            foreach (var v in scores)
                if (double.IsFinite(v))
                    lim = Math.Max(lim, Math.Abs(v));
        }
        var scale = new ColourScale(-(lim > 0 ? lim : 1), lim > 0 ? lim : 1, true, false);
        var sb = new StringBuilder("<div class='tokens'>");
        foreach (var (caption, tokens, scores) in lines)
        {
            sb.Append("<p>");
            if (caption.Length > 0)
                sb.Append("<b>").Append(HtmlReport.Esc(caption)).Append("</b> ");
            for (int i = 0; i < tokens.Count; i++)
                sb.Append(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"<span title='{scores[i]:G4}' style='background:{scale.Hex(scores[i])};padding:1px 2px;margin:1px;border-radius:3px'>{HtmlReport.Esc(tokens[i])}</span>"
                    )
                );
            sb.Append("</p>");
        }
        sb.Append("</div>");
        sb.Append(Bar(scale, unit));
        return sb.ToString();
    }

    private static string Bar(ColourScale scale, string unit)
    {
        const int width = 240,
            height = 12;
        var sb = new StringBuilder(
            string.Create(
                CultureInfo.InvariantCulture,
                $"<svg class='colourbar' width='{width + 40}' height='{height + 34}' role='img'><defs><linearGradient id='tokbar'>"
            )
        );
        for (int k = 0; k <= 10; k++)
        {
            double v = scale.Lo + (scale.Hi - scale.Lo) * k / 10;
            sb.Append(
                string.Create(CultureInfo.InvariantCulture, $"<stop offset='{k * 10}%' stop-color='{scale.Hex(v)}'/>")
            );
        }
        sb.Append(
            string.Create(
                CultureInfo.InvariantCulture,
                $"</linearGradient></defs><rect x='20' y='0' width='{width}' height='{height}' fill='url(#tokbar)' stroke='#999'/>"
            )
        );
        foreach (var t in scale.Ticks(width))
        {
            double x = 20 + width * (t - scale.Lo) / (scale.Hi - scale.Lo);
            sb.Append(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"<text x='{x:F1}' y='{height + 14}' font-size='10' text-anchor='middle'>{HtmlReport.Esc(ColourScale.TickText(t))}</text>"
                )
            );
        }
        sb.Append(
            string.Create(
                CultureInfo.InvariantCulture,
                $"<text x='{20 + width / 2}' y='{height + 30}' font-size='10' text-anchor='middle'>{HtmlReport.Esc(unit)}</text></svg>"
            )
        );
        return sb.ToString();
    }
}
