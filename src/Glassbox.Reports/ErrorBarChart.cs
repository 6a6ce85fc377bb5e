using System.Globalization;
using System.Text;

namespace Glassbox.Reports;

/// <summary>One series of an <see cref="ErrorBarChart"/>: a point per x with its interval.</summary>
/// <param name="Name">Legend label.</param>
/// <param name="Y">Point estimates (NaN = missing).</param>
/// <param name="Low">Lower interval ends.</param>
/// <param name="High">Upper interval ends.</param>
/// <param name="Color">CSS colour.</param>
/// <param name="Marked">Per point: draw a filled marker (e.g. significant) instead of a hollow one; null = all filled.</param>
public sealed record ErrorBarSeries(
    string Name,
    IReadOnlyList<double> Y,
    IReadOnlyList<double> Low,
    IReadOnlyList<double> High,
    string Color = "#1f5fbf",
    IReadOnlyList<bool>? Marked = null
);

/// <summary>Inline SVG point-with-error-bar charts: series side by side at each x label (e.g. concepts per layer),
/// with an optional dashed reference level. Culture-invariant.</summary>
public static class ErrorBarChart
{
    /// <summary>Draws the series over x labels.</summary>
    /// <param name="xLabels">Group labels along x.</param>
    /// <param name="series">Series, drawn side by side within each group.</param>
    /// <param name="title">Title.</param>
    /// <param name="yLabel">y axis label.</param>
    /// <param name="reference">A horizontal dashed reference level (e.g. 0.5), or null.</param>
    /// <param name="yMin">Bottom of the y axis (default: from the data and 0).</param>
    /// <param name="yMax">Top of the y axis (default: from the data).</param>
    public static string Svg(
        IReadOnlyList<string> xLabels,
        IReadOnlyList<ErrorBarSeries> series,
        string title,
        string yLabel,
        double? reference = null,
        double? yMin = null,
        double? yMax = null
    )
    {
        var all = series.SelectMany(s => s.Y.Concat(s.Low).Concat(s.High)).Where(double.IsFinite).ToList();
        if (reference is { } r0)
            all.Add(r0);
        double lo = yMin ?? (all.Count > 0 ? Math.Min(0, all.Min()) : 0),
            hi = yMax ?? (all.Count > 0 ? all.Max() : 1);
        if (hi - lo < 1e-9)
            hi = lo + 1;
        const int left = 52,
            right = 190,
            top = 28,
            bottom = 40,
            height = 300;
        // Each group is at least as wide as its longest label (about 6.5 px a character), so labels never overlap.
        int perGroup = Math.Max(
            Math.Max(1, series.Count) * 14 + 20,
            (int)(xLabels.Select(l => l.Length).DefaultIfEmpty(0).Max() * 6.5) + 8
        );
        int width = left + right + Math.Max(240, xLabels.Count * perGroup);
        double pw = width - left - right,
            ph = height - top - bottom,
            group = pw / Math.Max(1, xLabels.Count);
        double X(int i, int s) =>
            left + group * (i + 0.5) + (s - (series.Count - 1) / 2.0) * Math.Min(14, group / (series.Count + 1));
        double Y(double v) => top + ph - (Math.Clamp(v, lo, hi) - lo) / (hi - lo) * ph;
        static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        ChartFrame.Begin(sb, width, height, left, title);
        ChartFrame.YGrid(sb, left, pw, lo, hi, Y);
        if (reference is { } r)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<line x1='{left}' x2='{F(left + pw)}' y1='{F(Y(r))}' y2='{F(Y(r))}' stroke='#555' stroke-dasharray='5,4'/>"
            );
        for (int i = 0; i < xLabels.Count; i++)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<text x='{F(left + group * (i + 0.5))}' y='{F(top + ph + 16)}' text-anchor='middle'>{HtmlReport.Esc(xLabels[i])}</text>"
            );
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<text transform='translate(12,{F(top + ph / 2)}) rotate(-90)' text-anchor='middle'>{HtmlReport.Esc(yLabel)}</text>"
        );
        for (int s = 0; s < series.Count; s++)
        {
            var e = series[s];
            for (int i = 0; i < Math.Min(xLabels.Count, e.Y.Count); i++)
            {
                if (!double.IsFinite(e.Y[i]))
                    continue;
                double x = X(i, s);
                if (double.IsFinite(e.Low[i]) && double.IsFinite(e.High[i]))
                    sb.Append(
                        CultureInfo.InvariantCulture,
                        $"<line x1='{F(x)}' x2='{F(x)}' y1='{F(Y(e.Low[i]))}' y2='{F(Y(e.High[i]))}' stroke='{e.Color}' stroke-width='1.5'/>"
                    );
                bool filled = e.Marked?[i] ?? true;
                string text = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{e.Name} at {xLabels[i]}: {e.Y[i]:G4} [{e.Low[i]:G4}, {e.High[i]:G4}]"
                );
                sb.Append(
                    CultureInfo.InvariantCulture,
                    $"<circle cx='{F(x)}' cy='{F(Y(e.Y[i]))}' r='3.5' fill='{(filled ? e.Color : "white")}' stroke='{e.Color}' stroke-width='1.5'><title>{HtmlReport.Esc(text)}</title></circle>"
                );
            }
            double ly = top + 10 + 16 * s;
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<circle cx='{F(left + pw + 22)}' cy='{F(ly)}' r='3.5' fill='{e.Color}'/>"
            );
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<text x='{F(left + pw + 32)}' y='{F(ly + 4)}'>{HtmlReport.Esc(e.Name)}</text>"
            );
        }
        sb.Append("</svg></figure>");
        return sb.ToString();
    }
}
