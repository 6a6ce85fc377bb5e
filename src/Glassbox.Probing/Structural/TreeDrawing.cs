using System.Globalization;
using System.Text;
using Glassbox.Reports;

namespace Glassbox.Probing.Structural;

/// <summary>
/// Inline SVG drawing of a sentence's gold dependency tree (blue arcs above the words) and a predicted tree (orange
/// arcs below): predicted edges that are gold edges (undirected) are solid, wrong ones dashed.
/// </summary>
public static class TreeDrawing
{
    private const string Gold = "#1f77b4",
        Predicted = "#ff7f0e";
    private const int CharWidth = 7,
        Gap = 18,
        ArcUnit = 14,
        MaxArc = 120;

    /// <summary>
    /// SVG of <paramref name="words"/> on a line with gold arcs above and predicted arcs below.
    /// <paramref name="goldHeads"/>: 1-based heads, 0 = root. <paramref name="predictedHeads"/>: 1-based heads from
    /// rooting the predicted MST (0 = predicted root, -1 = no predicted edge, e.g. punctuation), as in
    /// <see cref="StructuralProbeResult.PredictedHeads"/>.
    /// </summary>
    public static string Svg(IReadOnlyList<string> words, int[] goldHeads, int[] predictedHeads)
    {
        int n = words.Count;
        if (goldHeads.Length != n || predictedHeads.Length != n)
            throw new GlassboxException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"tree drawing: {n} words, {goldHeads.Length} gold heads, {predictedHeads.Length} predicted heads"
                )
            );
        var centers = new double[n];
        double x = 10;
        for (int i = 0; i < n; i++)
        {
            double w = Math.Max(2, words[i].Length) * CharWidth;
            centers[i] = x + w / 2;
            x += w + Gap;
        }
        var goldEdges = Edges(goldHeads);
        var predEdges = Edges(predictedHeads);
        double Height(int a, int b) => Math.Min(MaxArc, ArcUnit * (Math.Abs(a - b) + 0.5));
        double above = Math.Max(24, goldEdges.Select(e => Height(e.A, e.B)).DefaultIfEmpty(0).Max()) + 12;
        double below = Math.Max(24, predEdges.Select(e => Height(e.A, e.B)).DefaultIfEmpty(0).Max()) + 12;
        double textY = above + 14,
            topLine = above,
            bottomLine = above + 20;
        double width = x + 10,
            height = bottomLine + below;

        var goldSet = new HashSet<(int, int)>(goldEdges);
        var sb = new StringBuilder();
        sb.Append(
            Invariant(
                $"<svg xmlns='http://www.w3.org/2000/svg' width='{width:F0}' height='{height:F0}' font-size='12' font-family='monospace'>"
            )
        );
        foreach (var (a, b) in goldEdges)
            sb.Append(
                Arc(
                    centers[a],
                    centers[b],
                    topLine,
                    -Height(a, b),
                    Gold,
                    dashed: false,
                    $"gold: {words[a]} – {words[b]}"
                )
            );
        foreach (var (a, b) in predEdges)
        {
            bool ok = goldSet.Contains((a, b));
            sb.Append(
                Arc(
                    centers[a],
                    centers[b],
                    bottomLine,
                    Height(a, b),
                    Predicted,
                    dashed: !ok,
                    $"predicted{(ok ? "" : " (wrong)")}: {words[a]} – {words[b]}"
                )
            );
        }
        for (int i = 0; i < n; i++)
        {
            if (goldHeads[i] == 0)
                sb.Append(
                    Invariant(
                        $"<line x1='{centers[i]:F1}' y1='{topLine:F1}' x2='{centers[i]:F1}' y2='4' stroke='{Gold}'><title>gold root</title></line>"
                    )
                );
            if (predictedHeads[i] == 0)
                sb.Append(
                    Invariant(
                        $"<line x1='{centers[i]:F1}' y1='{bottomLine:F1}' x2='{centers[i]:F1}' y2='{height - 4:F1}' stroke='{Predicted}'><title>predicted root</title></line>"
                    )
                );
            sb.Append(Invariant($"<text x='{centers[i]:F1}' y='{textY:F1}' text-anchor='middle'>"))
                .Append(HtmlReport.Esc(words[i]))
                .Append("</text>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>Undirected edges (smaller index first) of heads; entries 0 and negative add no edge.</summary>
    private static List<(int A, int B)> Edges(int[] heads)
    {
        var edges = new List<(int, int)>();
        for (int i = 0; i < heads.Length; i++)
        {
            if (heads[i] <= 0)
                continue;
            if (heads[i] > heads.Length)
                throw new GlassboxException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"tree drawing: word {i + 1} has head {heads[i]}, outside 0..{heads.Length}"
                    )
                );
            edges.Add(DependencyTree.Ordered(i, heads[i] - 1));
        }
        return edges;
    }

    private static string Arc(double x1, double x2, double y, double rise, string colour, bool dashed, string tooltip)
    {
        string dash = dashed ? " stroke-dasharray='4,3'" : "";
        return string.Create(
                CultureInfo.InvariantCulture,
                $"<path d='M {x1:F1} {y:F1} C {x1:F1} {y + rise:F1} {x2:F1} {y + rise:F1} {x2:F1} {y:F1}' fill='none' stroke='{colour}' stroke-width='1.5'{dash}><title>"
            )
            + HtmlReport.Esc(tooltip)
            + "</title></path>";
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
