using System.Globalization;
using System.Text;
using Glassbox.Reports;

namespace Glassbox.Probing.Structural;

/// <summary>A sentence to draw in a structural-probe report section.</summary>
/// <param name="Words">Word forms.</param>
/// <param name="GoldHeads">Gold heads (1-based, 0 = root).</param>
/// <param name="PredictedHeads">Predicted heads (e.g. an entry of <see cref="StructuralProbeResult.PredictedHeads"/>).</param>
/// <param name="Caption">Caption, e.g. the layer and sentence id.</param>
public sealed record StructuralTreeExample(
    IReadOnlyList<string> Words,
    int[] GoldHeads,
    int[] PredictedHeads,
    string Caption
);

/// <summary>Adds structural-probe results to an <see cref="HtmlReport"/>.</summary>
public static class StructuralReport
{
    /// <summary>
    /// Adds a section with a metrics table per layer (with bootstrap 95% intervals), an SVG line chart of UUAS and
    /// DSpr per layer with the right-branching UUAS as a dashed line, and optionally one tree drawing.
    /// </summary>
    /// <param name="report">Report to add to.</param>
    /// <param name="title">Section title.</param>
    /// <param name="perLayer">Results in layer order.</param>
    /// <param name="example">Sentence to draw (gold above, predicted below), or null.</param>
    /// <param name="rightBranchingUuas">Baseline UUAS; null = the first result's <see cref="StructuralProbeResult.RightBranchingUuas"/>.</param>
    /// <param name="id">Section id; null = derived from the title.</param>
    public static HtmlReport AddSection(
        HtmlReport report,
        string title,
        IReadOnlyList<(string Layer, StructuralProbeResult Result)> perLayer,
        StructuralTreeExample? example = null,
        double? rightBranchingUuas = null,
        string? id = null
    )
    {
        double rb = rightBranchingUuas ?? (perLayer.Count > 0 ? perLayer[0].Result.RightBranchingUuas : double.NaN);
        var body = new StringBuilder();
        body.Append(
            HtmlReport.Paragraph(
                "Structural probes (Hewitt & Manning 2019): a linear map B per layer such that ||B(h_i - h_j)||² approximates the "
                    + "dependency-tree distance and ||B h_i||² the depth. UUAS: minimum spanning tree of predicted distances vs gold "
                    + "edges, punctuation excluded. DSpr/NSpr: Spearman of distances/depths, averaged over sentence lengths 5-50. "
                    + $"Right-branching baseline UUAS: {F(rb)}. Intervals: 95% bootstrap over sentences."
            )
        );
        var header = new[]
        {
            "Layer",
            "UUAS",
            "UUAS 95% CI",
            "DSpr",
            "Root acc.",
            "Root 95% CI",
            "NSpr",
            "Rank",
            "Epochs (dist/depth)",
            "Seed",
            "Sentences",
        };
        var rows = perLayer.Select(p =>
            (IReadOnlyList<string>)
                new[]
                {
                    p.Layer,
                    F(p.Result.Uuas),
                    p.Result.UuasInterval.BoundsText(),
                    F(p.Result.DSpr),
                    F(p.Result.RootAccuracy),
                    p.Result.RootAccuracyInterval.BoundsText(),
                    F(p.Result.NSpr),
                    p.Result.Rank.ToString(CultureInfo.InvariantCulture),
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{p.Result.DistanceTraining.EpochsRun}/{p.Result.DepthTraining.EpochsRun}"
                    ),
                    p.Result.Seed.ToString(CultureInfo.InvariantCulture),
                    p.Result.EvaluatedSentences.ToString(CultureInfo.InvariantCulture),
                }
        );
        body.Append(HtmlReport.Table(header, rows));
        if (perLayer.Count > 0)
            body.Append("<figure>")
                .Append(
                    LineChart(
                        perLayer.Select(p => p.Layer).ToList(),
                        perLayer.Select(p => p.Result.Uuas).ToList(),
                        perLayer.Select(p => p.Result.DSpr).ToList(),
                        rb
                    )
                )
                .Append(
                    "<figcaption>UUAS (blue) and DSpr (orange) per layer; dashed: right-branching UUAS</figcaption></figure>"
                );
        if (example != null)
            body.Append("<figure>")
                .Append(TreeDrawing.Svg(example.Words, example.GoldHeads, example.PredictedHeads))
                .Append("<figcaption>")
                .Append(HtmlReport.Esc(example.Caption))
                .Append(" — gold above (blue), predicted below (orange; dashed = wrong edge)</figcaption></figure>");
        return report.Add(id ?? Slug(title), title, body.ToString());
    }

    private static string LineChart(
        IReadOnlyList<string> layers,
        IReadOnlyList<double> uuas,
        IReadOnlyList<double> dspr,
        double baseline
    )
    {
        const int left = 44,
            top = 16,
            plotH = 200,
            bottom = 70;
        int step = Math.Clamp(480 / Math.Max(1, layers.Count), 24, 60);
        int plotW = step * Math.Max(1, layers.Count - 1);
        int w = left + plotW + 120,
            h = top + plotH + bottom;
        double X(int i) => left + (layers.Count == 1 ? plotW / 2.0 : i * (double)step);
        double Y(double v) => top + plotH * (1 - Math.Clamp(v, 0, 1));
        var sb = new StringBuilder();
        sb.Append(
            I(
                $"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-size='10' font-family='sans-serif'>"
            )
        );
        for (int k = 0; k <= 4; k++)
        {
            double v = k / 4.0,
                y = Y(v);
            sb.Append(I($"<line x1='{left}' y1='{y:F1}' x2='{left + plotW}' y2='{y:F1}' stroke='#ddd'/>"))
                .Append(I($"<text x='{left - 4}' y='{y + 3:F1}' text-anchor='end'>{v:F2}</text>"));
        }
        sb.Append(I($"<line x1='{left}' y1='{top}' x2='{left}' y2='{top + plotH}' stroke='#888'/>"));
        for (int i = 0; i < layers.Count; i++)
        {
            string label = layers[i].Length <= 16 ? layers[i] : layers[i][..15] + "…";
            sb.Append(I($"<text transform='translate({X(i):F1},{top + plotH + 10}) rotate(45)'>"))
                .Append(HtmlReport.Esc(label))
                .Append("</text>");
        }
        if (!double.IsNaN(baseline))
            sb.Append(
                I(
                    $"<line x1='{left}' y1='{Y(baseline):F1}' x2='{left + plotW}' y2='{Y(baseline):F1}' stroke='#555' stroke-dasharray='5,4'><title>right-branching UUAS {baseline:F3}</title></line>"
                )
            );
        Series(sb, uuas, "#1f77b4", "UUAS", X, Y, layers);
        Series(sb, dspr, "#ff7f0e", "DSpr", X, Y, layers);
        int lx = left + plotW + 16;
        sb.Append(
                I(
                    $"<line x1='{lx}' y1='{top + 6}' x2='{lx + 18}' y2='{top + 6}' stroke='#1f77b4' stroke-width='2'/><text x='{lx + 22}' y='{top + 9}'>UUAS</text>"
                )
            )
            .Append(
                I(
                    $"<line x1='{lx}' y1='{top + 22}' x2='{lx + 18}' y2='{top + 22}' stroke='#ff7f0e' stroke-width='2'/><text x='{lx + 22}' y='{top + 25}'>DSpr</text>"
                )
            )
            .Append(
                I(
                    $"<line x1='{lx}' y1='{top + 38}' x2='{lx + 18}' y2='{top + 38}' stroke='#555' stroke-dasharray='5,4'/><text x='{lx + 22}' y='{top + 41}'>right-branching</text>"
                )
            );
        return sb.Append("</svg>").ToString();
    }

    private static void Series(
        StringBuilder sb,
        IReadOnlyList<double> values,
        string colour,
        string name,
        Func<int, double> x,
        Func<double, double> y,
        IReadOnlyList<string> layers
    )
    {
        var points = Enumerable
            .Range(0, values.Count)
            .Where(i => !double.IsNaN(values[i]))
            .Select(i => I($"{x(i):F1},{y(values[i]):F1}"))
            .ToList();
        if (points.Count > 1)
            sb.Append(
                CultureInfo.InvariantCulture,
                $"<polyline points='{string.Join(' ', points)}' fill='none' stroke='{colour}' stroke-width='2'/>"
            );
        for (int i = 0; i < values.Count; i++)
            if (!double.IsNaN(values[i]))
                sb.Append(I($"<circle cx='{x(i):F1}' cy='{y(values[i]):F1}' r='3' fill='{colour}'><title>"))
                    .Append(HtmlReport.Esc($"{layers[i]} {name} {F(values[i])}"))
                    .Append("</title></circle>");
    }

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);

    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Slug(string title)
    {
        var s = new string(title.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return string.IsNullOrEmpty(s) ? "structural-probe" : s;
    }
}
