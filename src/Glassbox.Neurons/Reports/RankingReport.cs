using System.Globalization;
using Glassbox.Reports;

namespace Glassbox.Neurons;

/// <summary>HTML sections of a unit ranking: the accuracy-vs-k curve (top, random band, bottom, control), the
/// accuracy-vs-selectivity points, the ablation table and the top units.</summary>
public static class RankingReport
{
    /// <summary>Adds one section per method to <paramref name="report"/>.</summary>
    public static void Add(HtmlReport report, RankingExperimentResult result, string model, string reproduce)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(result);
        foreach (var m in result.Methods)
        {
            var v = m.Verification;
            var labels = v.Sweep.Select(p => p.K.ToString(CultureInfo.InvariantCulture)).ToArray();
            var series = new List<ChartSeries>
            {
                new(
                    "top-k",
                    v.Sweep.Select(p => p.Top.Value).ToArray(),
                    v.Sweep.Select(p => p.Top.Lower).ToArray(),
                    v.Sweep.Select(p => p.Top.Upper).ToArray(),
                    LineChart.Palette[0]
                ),
                new(
                    "random-k",
                    v.Sweep.Select(p => p.Random.Value).ToArray(),
                    v.Sweep.Select(p => p.Random.Lower).ToArray(),
                    v.Sweep.Select(p => p.Random.Upper).ToArray(),
                    LineChart.Palette[4],
                    Dashed: true
                ),
                new("bottom-k", v.Sweep.Select(p => p.Bottom.Value).ToArray(), Color: LineChart.Palette[1]),
            };
            if (v.Sweep.All(p => p.Control is not null))
                series.Add(
                    new(
                        "control (top-k)",
                        v.Sweep.Select(p => p.Control!.Value).ToArray(),
                        Color: LineChart.Palette[3],
                        Dashed: true
                    )
                );
            string chart = LineChart.Svg(
                labels,
                series,
                $"{result.Task} probe accuracy on k units ({m.Method})",
                "accuracy",
                0,
                1
            );
            var sweepTable = HtmlReport.Table(
                ["k", "top-k", "random-k", "bottom-k", "control", "selectivity"],
                v.Sweep.Select(p =>
                    (IReadOnlyList<string>)
                        [
                            p.K.ToString(CultureInfo.InvariantCulture),
                            Fmt(p.Top),
                            Fmt(p.Random),
                            Fmt(p.Bottom),
                            p.Control is null ? "-" : Fmt(p.Control),
                            p.Selectivity?.ToString("F3", CultureInfo.InvariantCulture) ?? "-",
                        ]
                )
            );
            var ablationTable = HtmlReport.Table(
                ["mode", "k", "top-k ablated", "random-k ablated", "bottom-k ablated"],
                v.Ablations.Select(a =>
                    (IReadOnlyList<string>)
                        [
                            a.Mode.ToString().ToLowerInvariant(),
                            a.K.ToString(CultureInfo.InvariantCulture),
                            Fmt(a.Top),
                            Fmt(a.Random),
                            Fmt(a.Bottom),
                        ]
                )
            );
            string lm = m.LmAblation is { Count: > 0 } points
                ? HtmlReport.Table(
                    ["mode", "k", "clean loss", "top-k ablated", "random-k ablated", "bottom-k ablated"],
                    points.Select(p =>
                        (IReadOnlyList<string>)
                            [
                                p.Mode.ToString().ToLowerInvariant(),
                                p.K.ToString(CultureInfo.InvariantCulture),
                                F(p.Clean),
                                F(p.Top),
                                Fmt(p.Random),
                                F(p.Bottom),
                            ]
                    )
                )
                : HtmlReport.Paragraph("No LM-loss ablation: the model is not a causal LM, or no corpus was given.");
            var topTable = HtmlReport.Table(
                ["rank", "unit", "class", "score"],
                m.Top.Select(u =>
                    (IReadOnlyList<string>)
                        [
                            u.Rank.ToString(CultureInfo.InvariantCulture),
                            u.Unit,
                            u.Class,
                            u.Score.ToString("G4", CultureInfo.InvariantCulture),
                        ]
                )
            );
            bool inconclusive = !v.Verdict.StartsWith("The top-ranked units beat", StringComparison.Ordinal);
            string meaning = string.Create(
                CultureInfo.InvariantCulture,
                $"Units of {result.Hook} ranked for {result.Task} by {m.Method} ({m.Note}). A probe on all {v.Units} units reaches {Fmt(v.FullAccuracy)} (majority class {v.Majority:F3}). {v.Verdict} A ranking is only as good as the gap between its top-k curve and the random-k band; the control curve shows how much of that accuracy memorising words would give."
            );
            report.Add(
                "ranking-" + m.Method.ToString().ToLowerInvariant(),
                $"{result.Task} units of {result.Hook} ({m.Method}): {model}",
                HtmlReport.Meaning(meaning, inconclusive)
                    + chart
                    + sweepTable
                    + "<h4>Ablating units in the full probe</h4>"
                    + ablationTable
                    + "<h4>Ablating units in the forward (LM loss)</h4>"
                    + lm
                    + "<h4>Top units</h4>"
                    + topTable
                    + HtmlReport.Reproduce(reproduce)
            );
        }
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static string Fmt(Statistics.Interval i) =>
        double.IsNaN(i.Lower)
            ? F(i.Value)
            : string.Create(CultureInfo.InvariantCulture, $"{i.Value:F3} [{i.Lower:F3}, {i.Upper:F3}]");
}
