using System.Globalization;
using System.Text;
using Glassbox.Reports;

namespace Glassbox.Neurons;

/// <summary>One excerpt with the unit's true activation and, when an explanation was simulated, the predicted one
/// (both per token; predictions on the explainer's 0–10 scale).</summary>
/// <param name="Excerpt">Tokens and true activations.</param>
/// <param name="Simulated">Predicted activation per token, or null.</param>
/// <param name="Kind">"top" (top-activating, held out) or "random".</param>
public sealed record ViewedExcerpt(ActivationExcerpt Excerpt, IReadOnlyList<double>? Simulated, string Kind);

/// <summary>One histogram bin: its lower edge and count.</summary>
public sealed record HistogramBin(double Lower, long Count);

/// <summary>Everything the unit viewer shows, as a record (the explorer reads the same JSON).</summary>
/// <param name="Unit">The unit.</param>
/// <param name="Explanation">Its explanation, or null.</param>
/// <param name="Score">Correlation of simulated and true activations, or null.</param>
/// <param name="Baseline">Score of shuffled (other units') explanations, or null.</param>
/// <param name="Histogram">Activation histogram: bin lower edges and counts (from the excerpts shown or a store).</param>
/// <param name="Excerpts">Excerpts to highlight.</param>
/// <param name="Promoted">Tokens the unit's output direction promotes (null when it has none).</param>
/// <param name="Suppressed">Tokens it suppresses.</param>
public sealed record UnitView(
    string Unit,
    string? Explanation,
    double? Score,
    double? Baseline,
    IReadOnlyList<HistogramBin> Histogram,
    IReadOnlyList<ViewedExcerpt> Excerpts,
    IReadOnlyList<TokenEffect>? Promoted,
    IReadOnlyList<TokenEffect>? Suppressed
)
{
    /// <summary>A histogram of <paramref name="values"/> in <paramref name="bins"/> equal bins.</summary>
    public static IReadOnlyList<HistogramBin> HistogramOf(IEnumerable<double> values, int bins = 20)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0 || bins < 1)
            return [];
        double lo = v.Min(),
            hi = v.Max(),
            width = hi > lo ? (hi - lo) / bins : 1;
        var counts = new long[bins];
        foreach (var x in v)
            counts[Math.Min(bins - 1, (int)((x - lo) / width))]++;
        return counts.Select((c, i) => new HistogramBin(lo + i * width, c)).ToArray();
    }
}

/// <summary>Renders <see cref="UnitView"/>s as HTML: excerpts with token-level highlighting (true and simulated rows
/// side by side), the histogram, explanation, score and logit effects.</summary>
public static class UnitViewReport
{
    /// <summary>Adds a section for <paramref name="view"/>.</summary>
    public static void Add(HtmlReport report, UnitView view, string reproduce)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(view);
        var sb = new StringBuilder();
        if (view.Explanation is not null)
            sb.Append(HtmlReport.Paragraph("Explanation: " + view.Explanation));
        if (view.Score is double score)
        {
            bool weak = view.Baseline is double b && score <= b;
            sb.Append(
                HtmlReport.Meaning(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Simulating the unit from its explanation alone correlates {score:F3} with the true activations on held-out excerpts; other units' explanations score {view.Baseline:F3} on the same excerpts."
                    ),
                    weak
                )
            );
        }
        sb.Append(Histogram(view.Histogram));
        double max = Math.Max(1e-9, view.Excerpts.SelectMany(e => e.Excerpt.Activations).DefaultIfEmpty(0).Max());
        sb.Append("<div class='excerpts'>");
        foreach (var e in view.Excerpts)
        {
            sb.Append("<p><small>").Append(HtmlReport.Esc(e.Kind)).Append("</small><br/>");
            sb.Append(Row(e.Excerpt.Tokens, e.Excerpt.Activations.Select(a => a / max).ToArray(), "true"));
            if (e.Simulated is { } sim)
                sb.Append("<br/>").Append(Row(e.Excerpt.Tokens, sim.Select(p => p / 10).ToArray(), "simulated"));
            sb.Append("</p>");
        }
        sb.Append("</div>");
        if (view.Promoted is { } up && view.Suppressed is { } down)
            sb.Append(
                HtmlReport.Table(
                    ["promoted", "logit", "suppressed", "logit"],
                    up.Zip(down)
                        .Select(z =>
                            (IReadOnlyList<string>)
                                [
                                    z.First.Token,
                                    z.First.Logit.ToString("F3", CultureInfo.InvariantCulture),
                                    z.Second.Token,
                                    z.Second.Logit.ToString("F3", CultureInfo.InvariantCulture),
                                ]
                        )
                )
            );
        sb.Append(HtmlReport.Reproduce(reproduce));
        report.Add("unit-" + view.Unit.Replace('.', '-').Replace(':', '-'), "Unit " + view.Unit, sb.ToString());
    }

    /// <summary>Tokens with a background whose strength is the value in [0, 1] (negative values in blue).</summary>
    private static string Row(IReadOnlyList<string> tokens, IReadOnlyList<double> values, string label)
    {
        var sb = new StringBuilder("<span class='label'>").Append(label).Append(": </span>");
        for (int i = 0; i < tokens.Count; i++)
        {
            double v = i < values.Count && double.IsFinite(values[i]) ? Math.Clamp(values[i], -1, 1) : 0;
            string colour = v >= 0 ? "255,120,0" : "30,90,220";
            sb.Append(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"<span title='{v:F2}' style='background:rgba({colour},{Math.Abs(v):F2});white-space:pre'>"
                )
            );
            sb.Append(HtmlReport.Esc(Tokenization.TokenDisplay.Label(tokens[i]))).Append("</span>");
        }
        return sb.ToString();
    }

    private static string Histogram(IReadOnlyList<HistogramBin> bins)
    {
        if (bins.Count == 0)
            return "";
        long top = Math.Max(1, bins.Max(b => b.Count));
        var sb = new StringBuilder("<svg xmlns='http://www.w3.org/2000/svg' width='420' height='120' font-size='10'>");
        double w = 400.0 / bins.Count;
        for (int i = 0; i < bins.Count; i++)
        {
            double h = 90.0 * bins[i].Count / top;
            sb.Append(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"<rect x='{10 + i * w:F1}' y='{100 - h:F1}' width='{w - 1:F1}' height='{h:F1}' fill='#1f5fbf'><title>{bins[i].Lower:G4}: {bins[i].Count}</title></rect>"
                )
            );
        }
        sb.Append(
            string.Create(
                CultureInfo.InvariantCulture,
                $"<text x='10' y='114'>{bins[0].Lower:G3}</text><text x='330' y='114'>activation histogram</text></svg>"
            )
        );
        return sb.ToString();
    }
}
