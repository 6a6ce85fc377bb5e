using System.Globalization;
using Glassbox.Reports;
using Glassbox.Statistics;

namespace Glassbox.Attribution.Regularisation;

/// <summary>The HTML section and the console table of an ER experiment (ER vs no ER per ER-TEST measure, means over
/// seeds with Student-t intervals) and of a single model's ER-TEST.</summary>
public static class ErReport
{
    /// <summary>Columns of the comparison table.</summary>
    public static readonly string[] Header = ["measure", "kind", "no ER", "ER", "ER − no ER", "p (paired t)"];

    /// <summary>Columns of a single model's table.</summary>
    public static readonly string[] TestHeader =
    [
        "set",
        "kind",
        "rows",
        "accuracy [95% CI]",
        "group metric",
        "group [95% CI]",
    ];

    /// <summary>One comparison's cells.</summary>
    public static string[] Cells(ErComparison c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return [c.Measure, c.Kind, c.NoEr.ToString(), c.Er.ToString(), c.Difference.ToString(), P(c.P)];
    }

    /// <summary>One set's cells.</summary>
    public static string[] Cells(ErSetScore s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return
        [
            s.Name,
            s.Kind,
            s.Count.ToString(CultureInfo.InvariantCulture),
            s.Accuracy.ToString(),
            s.GroupMetric ?? "",
            s.Group?.ToString() ?? "",
        ];
    }

    /// <summary>One plausibility line.</summary>
    public static string Line(ErPlausibility p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"plausibility of {p.Method} on {p.Sentences} held-out Zaidan sentences: AUPRC {p.AveragePrecision}, token F1 {p.TopKF1} (random scores: AUPRC ≈ {p.RandomBaseline:F3})"
        );
    }

    /// <summary>Adds the experiment's section.</summary>
    public static void Add(HtmlReport report, ErExperimentResult r, string reproduce)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(r);
        var acc = r.Comparisons.Where(c => c.Measure.StartsWith("accuracy:", StringComparison.Ordinal)).ToList();
        string chart = ErrorBarChart.Svg(
            acc.Select(c => c.Measure["accuracy:".Length..]).ToArray(),
            [Series("no ER", acc.Select(c => c.NoEr)), Series("ER", acc.Select(c => c.Er), "#c0392b")],
            "Accuracy per ER-TEST set (mean over seeds, Student-t 95% interval)",
            "accuracy",
            reference: 0.5,
            yMin: 0,
            yMax: 1
        );
        int seeds = r.Runs.Select(x => x.Seed).Distinct().Count();
        string meaning = string.Create(
            CultureInfo.InvariantCulture,
            $"{seeds} seeds × (no ER, ER). Training: {r.TrainData}; rationales: {r.Rationales} ({r.RationaleCoverage:P0} of the texts have one). ER adds λ = {r.Weight} × the {r.Method} attribution mass outside the rationale to the cross-entropy. Every row is a mean over seeds; the difference is paired by seed. A difference whose interval contains 0 is not evidence that ER helps or hurts on that set. The dashed line is chance (0.5)."
        );
        report.Add(
            "er",
            "Explanation regularisation under ER-TEST",
            HtmlReport.Meaning(meaning, inconclusive: seeds < 2)
                + chart
                + HtmlReport.Table(Header, r.Comparisons.Select(Cells))
                + HtmlReport.Reproduce(reproduce)
        );
    }

    /// <summary>Adds a single model's ER-TEST section.</summary>
    public static void Add(HtmlReport report, ErTestResult r, string reproduce)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(r);
        string chart = ErrorBarChart.Svg(
            r.Sets.Select(s => s.Name).ToArray(),
            [Series("accuracy", r.Sets.Select(s => s.Accuracy))],
            "Accuracy per ER-TEST set (bootstrap 95% interval)",
            "accuracy",
            reference: 0.5,
            yMin: 0,
            yMax: 1
        );
        report.Add(
            "er-test",
            "ER-TEST",
            HtmlReport.Meaning(
                $"ER-TEST of {r.Model}: in distribution, unseen data sets, contrast and counterfactual pairs, functional tests, and the plausibility of its explanations against held-out human rationales.",
                inconclusive: false
            )
                + chart
                + HtmlReport.Table(TestHeader, r.Sets.Select(Cells))
                + string.Concat(r.Plausibility.Select(p => HtmlReport.Paragraph(Line(p))))
                + HtmlReport.Reproduce(reproduce)
        );
    }

    private static ErrorBarSeries Series(string name, IEnumerable<Interval> xs, string color = "#1f5fbf")
    {
        var l = xs.ToList();
        return new ErrorBarSeries(
            name,
            l.Select(i => i.Value).ToArray(),
            l.Select(i => i.Lower).ToArray(),
            l.Select(i => i.Upper).ToArray(),
            color
        );
    }

    private static string P(double p) => double.IsNaN(p) ? "n/a" : p.ToString("G3", CultureInfo.InvariantCulture);
}
