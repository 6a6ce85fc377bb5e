using System.Globalization;
using Glassbox.Reports;

namespace Glassbox.Concepts;

/// <summary>The HTML section of a TCAV run: per-target error-bar plots over hooks, the full table with p-values and
/// effect sizes, relative CAVs, and concept sensitivity maps over sentences.</summary>
public static class TcavReport
{
    /// <summary>Adds the TCAV section (id <c>tcav</c>) to <paramref name="report"/>.</summary>
    public static void Add(HtmlReport report, TcavResult result, IReadOnlyList<SensitivityMap> maps, string reproduce)
    {
        var html = new System.Text.StringBuilder();
        var o = result.Options;
        html.Append(
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"TCAV score = fraction of target inputs whose directional derivative along the concept's CAV is positive; mean over {o.RandomRuns} CAVs, each against a different random set ({result.RandomCorpus}). Random = random-vs-random CAVs (the null). Two-sided Welch t-test of concept vs random scores; Holm and Bonferroni across all {result.Scores.Count} (concept, hook, target) tests; Cohen's d; 95% bootstrap intervals over runs. Pooling {o.Pooling}, CAV {o.Method}, seed {o.Seed}. Filled markers: significant after Holm at {o.Alpha}."
                )
            )
        );
        var hooks = result.Scores.Select(s => s.Hook).Distinct().ToList();
        var concepts = result.Scores.Select(s => s.Concept).Distinct().ToList();
        foreach (var target in result.Scores.Select(s => s.Target).Distinct())
        {
            var series = concepts
                .Select(
                    (c, k) =>
                    {
                        var rows = hooks
                            .Select(h => result.Scores.First(s => s.Hook == h && s.Concept == c && s.Target == target))
                            .ToList();
                        return new ErrorBarSeries(
                            c,
                            rows.Select(r => r.Score.Value).ToList(),
                            rows.Select(r => r.Score.Lower).ToList(),
                            rows.Select(r => r.Score.Upper).ToList(),
                            LineChart.Palette[k % LineChart.Palette.Length],
                            rows.Select(r => r.Significant).ToList()
                        );
                    }
                )
                .ToList();
            var random = hooks.Select(h => result.Scores.First(s => s.Hook == h && s.Target == target).Random).ToList();
            series.Add(
                new ErrorBarSeries(
                    "random",
                    random.Select(r => r.Value).ToList(),
                    random.Select(r => r.Lower).ToList(),
                    random.Select(r => r.Upper).ToList(),
                    "#868e96"
                )
            );
            html.Append(ErrorBarChart.Svg(hooks, series, "TCAV for " + target, "TCAV score", 0.5, 0, 1));
        }
        html.Append(
            HtmlReport.Table(
                new[]
                {
                    "target",
                    "hook",
                    "concept",
                    "score [95% CI]",
                    "magnitude",
                    "random",
                    "CAV acc.",
                    "t",
                    "p",
                    "p Holm",
                    "p Bonf.",
                    "d",
                    "significant",
                },
                result.Scores.Select(s =>
                    (IReadOnlyList<string>)
                        new[]
                        {
                            s.Target,
                            s.Hook,
                            s.Concept,
                            s.Score.ToString(),
                            F(s.Magnitude.Value),
                            s.Random.ToString(),
                            F(s.CavAccuracy),
                            F(s.T),
                            P(s.P),
                            P(s.PHolm),
                            P(s.PBonferroni),
                            F(s.CohensD),
                            s.Significant ? "yes" : "no",
                        }
                )
            )
        );
        if (result.Relative.Count > 0)
            html.Append(
                HtmlReport.Table(
                    new[] { "target", "hook", "A vs B", "score [95% CI over inputs]", "CAV acc." },
                    result.Relative.Select(r =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                r.Target,
                                r.Hook,
                                r.ConceptA + " vs " + r.ConceptB,
                                r.Score.ToString(),
                                F(r.CavAccuracy),
                            }
                    )
                )
            );
        foreach (var group in maps.GroupBy(m => m.Concept))
        {
            var list = group.ToList();
            int width = list.Max(m => m.Tokens.Count);
            var values = new float[list.Count, width];
            for (int i = 0; i < list.Count; i++)
            for (int j = 0; j < width; j++)
                values[i, j] = j < list[i].Projection.Count ? (float)list[i].Projection[j] : float.NaN;
            html.Append(
                HtmlReport.Heatmap(
                    values,
                    list.Select(m => m.Hook).ToList(),
                    list[0].Tokens,
                    $"Concept sensitivity of '{group.Key}': each token's activation projected on the CAV, minus the random examples' mean projection (red = toward the concept).",
                    -1e-6f,
                    1e-6f
                )
            );
        }
        html.Append(HtmlReport.Reproduce(reproduce));
        report.Add("tcav", "TCAV: concepts and their significance", html.ToString());
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static string P(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
