using System.Globalization;
using System.Text;
using Glassbox.Reports;
using Glassbox.Statistics;

namespace Glassbox.Probing;

/// <summary>HTML report sections for the parameter-free probes (minimal pairs and cloze facts).</summary>
public static class ParameterFreeReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Adds the minimal-pair sections: a per-phenomenon bar chart (95% whiskers, dashed chance line) and
    /// tables per phenomenon and per group.</summary>
    public static HtmlReport AddMinimalPairs(HtmlReport report, MinimalPairResult result)
    {
        var body = new StringBuilder();
        body.Append(
            HtmlReport.Paragraph(
                $"{result.Model}: {result.Count} pairs scored by {result.Method}; accuracy {Pct(result.Accuracy)} "
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"(per-token mean criterion {Pct(result.MeanAccuracy)}); chance {result.Chance:P0}. Intervals: 95% bootstrap, "
                    )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"{result.Resamples} resamples of pairs within each phenomenon, seed {result.Seed}. Ties count as wrong."
                    )
            )
        );
        body.Append(AccuracyChart(result.Phenomena, "accuracy per phenomenon (sum criterion)", result.Chance));
        body.Append(StatTable("phenomenon", result.Phenomena));
        report.Add("minimal-pairs", "Minimal pairs", body.ToString());
        if (result.Groups.Count > 1 || result.Groups.Any(g => !result.Phenomena.Any(p => p.Name == g.Name)))
            report.Add(
                "minimal-pair-groups",
                "Minimal pairs by group",
                AccuracyChart(result.Groups, "accuracy per group (sum criterion)", result.Chance)
                    + StatTable("group", result.Groups)
            );
        return report;
    }

    /// <summary>Adds the cloze sections: P@1/5/10 per relation, and P@1 per paraphrase when there are any.</summary>
    public static HtmlReport AddCloze(HtmlReport report, ClozeResult result)
    {
        var rows = result
            .Relations.Append(result.Overall)
            .Select(r =>
                (IReadOnlyList<string>)
                    new[]
                    {
                        r.Relation,
                        r.Mode.ToString().ToLowerInvariant(),
                        r.Count.ToString(Inv),
                        r.Candidates.ToString(Inv),
                        Pct(r.P1),
                        Pct(r.P5),
                        Pct(r.P10),
                    }
            );
        var body =
            HtmlReport.Paragraph(
                $"{result.Model}: {result.Facts.Count} facts. Vocabulary mode ranks the object's token among the whole "
                    + "vocabulary; candidate mode ranks the gold object among the relation's gold objects by the filled sentence's score. "
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"Intervals: 95% bootstrap ({result.Resamples} resamples, seed {result.Seed})."
                    )
            )
            + HtmlReport.Table(
                new[] { "relation", "mode", "facts", "candidates", "P@1 [95%]", "P@5 [95%]", "P@10 [95%]" },
                rows
            );
        report.Add("cloze", "Cloze facts", body);
        if (result.Sensitivity.Count > 0)
        {
            var srows = result.Sensitivity.SelectMany(s =>
                s.Templates.Select(t =>
                    (IReadOnlyList<string>)
                        new[]
                        {
                            s.Relation,
                            t.Template,
                            t.Mode.ToString().ToLowerInvariant(),
                            Pct(t.P1),
                            s.Spread.ToString("F3", Inv),
                            s.Std.ToString("F3", Inv),
                        }
                )
            );
            report.Add(
                "cloze-prompts",
                "Cloze prompt sensitivity",
                HtmlReport.Table(
                    new[] { "relation", "template", "mode", "P@1 [95%]", "spread (max-min)", "std" },
                    srows
                )
            );
        }
        return report;
    }

    /// <summary>A horizontal bar chart as inline SVG: one bar per statistic (accuracy, sum criterion) with its 95%
    /// interval as a whisker, and a dashed vertical line at <paramref name="chance"/>.</summary>
    public static string AccuracyChart(IReadOnlyList<AccuracyStat> stats, string caption, double chance = 0.5)
    {
        const int barH = 16,
            gap = 4,
            plotW = 360,
            right = 60,
            top = 10,
            axisH = 28;
        int left = 12 + 7 * Math.Min(40, stats.Select(s => s.Name.Length).DefaultIfEmpty(4).Max());
        int h = top + stats.Count * (barH + gap) + axisH,
            w = left + plotW + right;
        string X(double v) => (left + Math.Clamp(double.IsNaN(v) ? 0 : v, 0, 1) * plotW).ToString("F1", Inv);
        var sb = new StringBuilder();
        sb.Append(
            Inv,
            $"<figure><svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-size='11' font-family='sans-serif'>"
        );
        for (int i = 0; i < stats.Count; i++)
        {
            var s = stats[i];
            var a = s.Accuracy;
            int y = top + i * (barH + gap);
            string name = s.Name.Length <= 40 ? s.Name : s.Name[..39] + "…";
            string fill = a.Value > chance ? "#4a7fc1" : "#c9704a";
            sb.Append(Inv, $"<text x='{left - 4}' y='{y + barH - 4}' text-anchor='end'>{HtmlReport.Esc(name)}</text>")
                .Append(
                    Inv,
                    $"<rect x='{left}' y='{y}' width='{(Math.Clamp(double.IsNaN(a.Value) ? 0 : a.Value, 0, 1) * plotW).ToString("F1", Inv)}' height='{barH}' fill='{fill}'>"
                )
                .Append(Inv, $"<title>{HtmlReport.Esc(s.Name)}: {Pct(a)}, n={s.Count}</title></rect>");
            string yc = (y + barH / 2.0).ToString("F1", Inv);
            sb.Append(
                    Inv,
                    $"<line x1='{X(a.Lower)}' x2='{X(a.Upper)}' y1='{yc}' y2='{yc}' stroke='#222' stroke-width='1.5'/>"
                )
                .Append(
                    Inv,
                    $"<line x1='{X(a.Lower)}' x2='{X(a.Lower)}' y1='{y + 3}' y2='{y + barH - 3}' stroke='#222'/>"
                )
                .Append(
                    Inv,
                    $"<line x1='{X(a.Upper)}' x2='{X(a.Upper)}' y1='{y + 3}' y2='{y + barH - 3}' stroke='#222'/>"
                )
                .Append(
                    Inv,
                    $"<text x='{left + plotW + 4}' y='{y + barH - 4}'>{a.Value.ToString("P0", Inv)} (n={s.Count})</text>"
                );
        }
        int axisY = top + stats.Count * (barH + gap);
        sb.Append(Inv, $"<line x1='{left}' x2='{left + plotW}' y1='{axisY}' y2='{axisY}' stroke='#888'/>");
        foreach (var t in new[] { 0.0, 0.25, 0.5, 0.75, 1.0 })
            sb.Append(Inv, $"<text x='{X(t)}' y='{axisY + 14}' text-anchor='middle'>{t.ToString("0.##", Inv)}</text>");
        sb.Append(
            Inv,
            $"<line x1='{X(chance)}' x2='{X(chance)}' y1='{top - 4}' y2='{axisY}' stroke='#b00' stroke-dasharray='4 3'><title>chance {chance.ToString("0.##", Inv)}</title></line>"
        );
        sb.Append("</svg><figcaption>")
            .Append(HtmlReport.Esc(caption + "; whiskers: 95% interval; dashed line: chance"))
            .Append("</figcaption></figure>");
        return sb.ToString();
    }

    private static string StatTable(string what, IReadOnlyList<AccuracyStat> stats) =>
        HtmlReport.Table(
            new[] { what, "pairs", "accuracy (sum) [95%]", "accuracy (mean) [95%]" },
            stats.Select(s =>
                (IReadOnlyList<string>)new[] { s.Name, s.Count.ToString(Inv), Pct(s.Accuracy), Pct(s.MeanAccuracy) }
            )
        );

    /// <summary>"72.5% [68.0, 77.0]".</summary>
    public static string Pct(Interval p) =>
        double.IsNaN(p.Value)
            ? "n/a"
            : $"{(100 * p.Value).ToString("F1", Inv)}% [{(100 * p.Lower).ToString("F1", Inv)}, {(100 * p.Upper).ToString("F1", Inv)}]";
}
