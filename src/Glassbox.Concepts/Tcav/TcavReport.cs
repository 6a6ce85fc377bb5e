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
        if (result.Scores.Any(s => s.SetNull is not null))
            AddSetNull(html, result);
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

    private static void AddSetNull(System.Text.StringBuilder html, TcavResult result)
    {
        var first = result.Scores.First(s => s.SetNull is not null).SetNull!;
        html.Append(
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Set-level null: {first.Sets} random concept sets of each concept's size and kind, each scored like the concept against the first {first.Runs} counterpart sets. The concept's mean over those runs is tested as one new draw from the {first.Sets} null means (prediction t-test, Holm across the family, for each statistic); the rank p-value cannot go below {1.0 / (first.Sets + 1):F3}. Two statistics: the TCAV score (saturates at 0 and 1) and the mean cosine between the CAV and each input's gradient. This asks whether the concept differs from a random set of its size, which Kim et al.'s test above does not."
                )
            )
        );
        html.Append(
            HtmlReport.Table(
                new[]
                {
                    "target",
                    "hook",
                    "concept",
                    "statistic",
                    "concept value",
                    "null mean [min, max]",
                    "z",
                    "p",
                    "p Holm",
                    "rank p",
                    "significant",
                },
                result
                    .Scores.Where(s => s.SetNull is not null)
                    .SelectMany(s =>
                        new[] { ("score", s.SetNull!.Score), ("cosine", s.SetNull!.Cosine) }.Select(x =>
                            (IReadOnlyList<string>)
                                new[]
                                {
                                    s.Target,
                                    s.Hook,
                                    s.Concept,
                                    x.Item1,
                                    F(x.Item2.Concept),
                                    $"{F(x.Item2.NullMean)} [{F(x.Item2.Null.Min())}, {F(x.Item2.Null.Max())}]",
                                    F(x.Item2.Z),
                                    P(x.Item2.P),
                                    P(x.Item2.PHolm),
                                    P(x.Item2.PEmpirical),
                                    x.Item2.Significant ? "yes" : "no",
                                }
                        )
                    )
            )
        );
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static string P(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
