using System.Globalization;
using System.Text;
using Glassbox.Hooks;
using Glassbox.Reports;

namespace Glassbox.Probing.Heads;

/// <summary>HTML sections for <see cref="HeadProbeResult"/>: head-by-layer heatmaps of every statistic, the
/// dependency-head table with per-relation heatmaps, pattern classes, the masking effect and a rollout picture.</summary>
public static class HeadReport
{
    /// <summary>Adds the sections to <paramref name="report"/>.</summary>
    public static void AddSections(HtmlReport report, HeadProbeResult r, string dataDescription)
    {
        var st = r.Statistics;
        var maps = new StringBuilder("<div class='grid'>");
        maps.Append(Map(st.ToFirst, "attention to the first token ([CLS]/BOS)", 1));
        if (st.ToLast is not null)
            maps.Append(Map(st.ToLast, "attention to the final [SEP]", 1));
        maps.Append(Map(st.ToPunctuation, "attention to punctuation", 1))
            .Append(Map(st.ToPrevious, "attention to the previous token", 1))
            .Append(Map(st.ToNext, "attention to the next token", 1))
            .Append(Map(st.ToSelf, "attention to self", 1));
        float maxEnt = st.Entropy.SelectMany(x => x).DefaultIfEmpty(1).Max();
        maps.Append(
                Map(
                    st.Entropy,
                    string.Create(CultureInfo.InvariantCulture, $"mean entropy (nats; max here {maxEnt:F2})"),
                    Math.Max(maxEnt, 1e-3f)
                )
            )
            .Append("</div>");
        report.Add(
            "head-stats",
            "Head statistics",
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{dataDescription}: {st.Sentences} sentences, {st.Queries} query tokens. Rows are layers, columns heads; every query token weighs the same."
                )
            ) + maps
        );

        var d = r.Dependencies;
        var rows = d.Relations.Select(x =>
            (IReadOnlyList<string>)
                new[]
                {
                    x.Relation,
                    x.Count.ToString(CultureInfo.InvariantCulture),
                    x.BestHead,
                    x.Direction == AttentionDirection.DependentToHead ? "dep→head" : "head→dep",
                    F(x.Accuracy),
                    $"[{F(x.Lower)}, {F(x.Upper)}]",
                    string.Create(CultureInfo.InvariantCulture, $"{x.BaselineOffset:+0;-0}"),
                    F(x.BaselineAccuracy),
                    x.Count == 0 ? "-"
                    : x.ClearlyBeatsBaseline ? "yes (CI above)"
                    : x.BeatsBaseline ? "point estimate only"
                    : "no",
                }
        );
        var relMaps = new StringBuilder("<div class='grid'>");
        foreach (var x in d.Relations.Where(x => x.Count > 0))
        {
            var best = x
                .AccuracyDependentToHead.Zip(x.AccuracyHeadToDependent, (a, b) =>
                    a.Zip(b, Math.Max).Select(v => (float)v).ToArray()
                )
                .ToArray();
            relMaps.Append(
                Map(best, $"{x.Relation}: accuracy, better direction (baseline {F(x.BaselineAccuracy)})", 1)
            );
        }
        relMaps.Append("</div>");
        report.Add(
            "dependency-heads",
            "Dependency heads (Clark et al. 2019)",
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{d.Sentences} sentences ({d.SkippedSentences} cut to the context left out). A head predicts a dependent's head as its most-attended other word "
                )
                    + "(word-level attention: sum over the target word's subwords, mean over the source word's). dep→head reads the dependent's row, head→dep the "
                    + "dependent's column. Baseline: the best fixed offset in ±"
                    + d.Options.MaxOffset.ToString(CultureInfo.InvariantCulture)
                    + ". Intervals: 95% bootstrap over sentences for the selected head "
                    + "(selection on the same data makes the best head optimistic)."
            )
                + HtmlReport.Table(
                    new[]
                    {
                        "relation",
                        "count",
                        "best head",
                        "direction",
                        "accuracy",
                        "95% CI",
                        "baseline offset",
                        "baseline acc.",
                        "beats baseline",
                    },
                    rows
                )
                + relMaps
        );

        var p = r.Patterns;
        var classes = Enum.GetValues<AttentionPattern>();
        var classRows = classes.Select(c =>
            (IReadOnlyList<string>)new[] { c.ToString(), F(p.HeadFraction[c]), F(p.MapFraction[c]) }
        );
        var layerRows = p.LayerFraction.Select(
            (f, l) =>
                (IReadOnlyList<string>)
                    new[] { string.Create(CultureInfo.InvariantCulture, $"L{l}") }
                        .Concat(classes.Select(c => F(f[c])))
                        .ToArray()
        );
        var labelRows = p.Labels.Select(
            (row, l) =>
                (IReadOnlyList<string>)
                    new[] { string.Create(CultureInfo.InvariantCulture, $"L{l}") }
                        .Concat(row.Select(x => x.ToString()[..1]))
                        .ToArray()
        );
        report.Add(
            "patterns",
            "Attention pattern classes (Kovaleva et al. 2019, rule-based)",
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Masses per map: vertical = first+last token, diagonal = offsets -1..+1, block = keys at distance 2..{p.Options.BlockWindow} "
                )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"(or the query's segment for pairs). Class = largest mass if it reaches its threshold (vertical {p.Options.VerticalThreshold}, diagonal "
                    )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"{p.Options.DiagonalThreshold}, block {p.Options.BlockThreshold}), else heterogeneous. A head's class uses its masses averaged over sentences."
                    )
            )
                + HtmlReport.Table(new[] { "class", "fraction of heads", "fraction of single maps" }, classRows)
                + HtmlReport.Table(new[] { "layer" }.Concat(classes.Select(c => c.ToString())).ToArray(), layerRows)
                + HtmlReport.Table(
                    new[] { "layer" }
                        .Concat(
                            Enumerable
                                .Range(0, st.Heads)
                                .Select(h => string.Create(CultureInfo.InvariantCulture, $"H{h}"))
                        )
                        .ToArray(),
                    labelRows
                )
        );

        if (r.Masking is { } m)
        {
            var delta = m.Delta.Select(row => row.Select(v => (float)v).ToArray()).ToArray();
            float lo = Math.Min(0, delta.SelectMany(x => x).Min()),
                hi = Math.Max(1e-6f, delta.SelectMany(x => x).Max());
            report.Add(
                "masking",
                "Head masking",
                HtmlReport.Paragraph(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{m.Metric} unmasked: {m.Baseline:F4}. Each cell: the change when that head's {HookPoints.AttnZ.Leaf} is zeroed (colour from {lo:G3} to {hi:G3}). "
                    )
                        + "Heads whose masking hurts most: "
                        + string.Join(
                            ", ",
                            m.MostHarmful(5)
                                .Select(x =>
                                    HeadName.Format(x.Layer, x.Head)
                                    + string.Create(CultureInfo.InvariantCulture, $" ({x.Delta:+0.0000;-0.0000})")
                                )
                        )
                        + "."
                ) + Map(delta, $"Δ {m.Metric}", hi, lo)
            );
        }
        if (r.Sample is { } s)
        {
            var layers = Enumerable
                .Range(1, s.Rollout.Length)
                .Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}"))
                .ToList();
            var tokens = Glassbox.Tokenization.TokenDisplay.Labels(s.Tokens);
            report.Add(
                "rollout",
                "Attention rollout and flow (Abnar & Zuidema 2020)",
                HtmlReport.Paragraph(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"How much of position {s.Position} ('{tokens[s.Position]}') after each layer comes from each input token."
                    )
                )
                    + "<div class='grid'>"
                    + HtmlReport.Heatmap(ToFloat(s.Rollout), layers, tokens, "rollout", 0, 1, cell: 16, sqrtScale: true)
                    + HtmlReport.Heatmap(
                        ToFloat(s.Flow),
                        layers,
                        tokens,
                        "attention flow (max-flow)",
                        0,
                        1,
                        cell: 16,
                        sqrtScale: true
                    )
                    + "</div>"
            );
        }
    }

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("F3", CultureInfo.InvariantCulture);

    private static float[,] ToFloat(double[][] a)
    {
        var m = new float[a.Length, a.Length == 0 ? 0 : a[0].Length];
        for (int i = 0; i < a.Length; i++)
        for (int j = 0; j < a[i].Length; j++)
            m[i, j] = (float)a[i][j];
        return m;
    }

    private static string Map(float[][] values, string caption, float max, float min = 0)
    {
        int L = values.Length,
            H = values.Length == 0 ? 0 : values[0].Length;
        var m = new float[L, H];
        for (int l = 0; l < L; l++)
        for (int h = 0; h < H; h++)
            m[l, h] = values[l][h]; // NaN stays NaN: the heatmap draws it grey and counts it
        return HtmlReport.Heatmap(
            m,
            Enumerable.Range(0, L).Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}")).ToList(),
            Enumerable.Range(0, H).Select(h => string.Create(CultureInfo.InvariantCulture, $"H{h}")).ToList(),
            caption,
            min,
            max,
            cell: 18
        );
    }
}
