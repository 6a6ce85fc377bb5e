using System.Globalization;
using System.Text;

namespace Glassbox.Reports;

/// <summary>One series of a <see cref="LineChart"/>: y per x, with an optional interval band.</summary>
/// <param name="Name">Legend label.</param>
/// <param name="Y">Values (NaN = missing).</param>
/// <param name="Low">Lower band edge per point, or null.</param>
/// <param name="High">Upper band edge per point, or null.</param>
/// <param name="Color">CSS colour.</param>
/// <param name="Dashed">Draw dashed (for baselines).</param>
public sealed record ChartSeries(
    string Name,
    IReadOnlyList<double> Y,
    IReadOnlyList<double>? Low = null,
    IReadOnlyList<double>? High = null,
    string Color = "#1f5fbf",
    bool Dashed = false
);

/// <summary>Inline SVG line charts with interval bands, for per-layer curves.</summary>
public static class LineChart
{
    /// <summary>Standard colours for successive series.</summary>
    public static readonly string[] Palette = { "#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#868e96", "#e67700" };

    /// <summary>Draws the series over x labels (e.g. layers).</summary>
    public static string Svg(
        IReadOnlyList<string> xLabels,
        IReadOnlyList<ChartSeries> series,
        string title,
        string yLabel,
        double? yMin = null,
        double? yMax = null,
        int width = 560,
        int height = 300
    )
    {
        var all = series
            .SelectMany(s => s.Y.Concat(s.Low ?? Array.Empty<double>()).Concat(s.High ?? Array.Empty<double>()))
            .Where(double.IsFinite)
            .ToList();
        double lo = yMin ?? (all.Count > 0 ? Math.Min(0, all.Min()) : 0),
            hi = yMax ?? (all.Count > 0 ? all.Max() : 1);
        if (hi - lo < 1e-9)
            hi = lo + 1;
        const int left = 52,
            right = 190,
            top = 28,
            bottom = 40;
        double pw = width - left - right,
            ph = height - top - bottom;
        double X(int i) => left + (xLabels.Count == 1 ? pw / 2 : i * pw / (xLabels.Count - 1));
        double Y(double v) => top + ph - (v - lo) / (hi - lo) * ph;
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        ChartFrame.Begin(sb, width, height, left, title);
        ChartFrame.YGrid(sb, left, pw, lo, hi, Y);
        for (int i = 0; i < xLabels.Count; i++)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<text x='{F(X(i))}' y='{F(top + ph + 16)}' text-anchor='middle'>{HtmlReport.Esc(xLabels[i])}</text>"
            );
        sb.Append(
            CultureInfo.InvariantCulture,
            $"<text transform='translate(12,{F(top + ph / 2)}) rotate(-90)' text-anchor='middle'>{HtmlReport.Esc(yLabel)}</text>"
        );
        int legend = 0;
        foreach (var s in series)
        {
            if (s.Low is not null && s.High is not null)
            {
                var pts = Enumerable
                    .Range(0, s.Y.Count)
                    .Where(i => double.IsFinite(s.Low[i]))
                    .Select(i => $"{F(X(i))},{F(Y(s.High[i]))}")
                    .Concat(
                        Enumerable
                            .Range(0, s.Y.Count)
                            .Reverse()
                            .Where(i => double.IsFinite(s.Low[i]))
                            .Select(i => $"{F(X(i))},{F(Y(s.Low[i]))}")
                    );
                sb.Append(
                    CultureInfo.InvariantCulture,
                    $"<polygon points='{string.Join(' ', pts)}' fill='{s.Color}' fill-opacity='0.15' stroke='none'/>"
                );
            }
            var line = Enumerable
                .Range(0, s.Y.Count)
                .Where(i => double.IsFinite(s.Y[i]))
                .Select(i => $"{F(X(i))},{F(Y(s.Y[i]))}");
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<polyline points='{string.Join(' ', line)}' fill='none' stroke='{s.Color}' stroke-width='2'{(s.Dashed ? " stroke-dasharray='5,4'" : "")}/>"
            );
            foreach (var i in Enumerable.Range(0, s.Y.Count).Where(i => double.IsFinite(s.Y[i])))
                sb.Append(
                    CultureInfo.InvariantCulture,
                    $"<circle cx='{F(X(i))}' cy='{F(Y(s.Y[i]))}' r='2.5' fill='{s.Color}'><title>{HtmlReport.Esc(s.Name)} at {HtmlReport.Esc(xLabels[i])}: {s.Y[i]:G4}</title></circle>"
                );
            double ly = top + 10 + 16 * legend++;
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<line x1='{F(left + pw + 12)}' x2='{F(left + pw + 32)}' y1='{F(ly)}' y2='{F(ly)}' stroke='{s.Color}' stroke-width='2'{(s.Dashed ? " stroke-dasharray='5,4'" : "")}/>"
            );
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<text x='{F(left + pw + 36)}' y='{F(ly + 4)}'>{HtmlReport.Esc(s.Name)}</text>"
            );
        }
        sb.Append("</svg></figure>");
        return sb.ToString();
    }
}
