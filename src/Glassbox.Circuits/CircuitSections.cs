using System.Globalization;
using Glassbox.Circuits.Detectors;
using Glassbox.Circuits.Lens;
using Glassbox.Reports;
using Glassbox.Tokenization;

namespace Glassbox.Circuits;

/// <summary>HTML sections for circuit results (used by the commands and by the <c>explain</c> report).</summary>
public static class CircuitSections
{
    /// <summary>HTML section with the detector table.</summary>
    public static HtmlReport HeadDetectors(string model, HeadDetectorResult r, HtmlReport? into = null)
    {
        var report = into ?? new HtmlReport($"Attention heads: {model}");
        var rows = r
            .Heads.Select(h =>
                (IReadOnlyList<string>)
                    new[]
                    {
                        string.Create(CultureInfo.InvariantCulture, $"L{h.Layer}H{h.Head}"),
                        string.Create(CultureInfo.InvariantCulture, $"{h.PreviousToken:F3} ± {h.Std[0]:F3}"),
                        string.Create(CultureInfo.InvariantCulture, $"{h.DuplicateToken:F3} ± {h.Std[1]:F3}"),
                        string.Create(CultureInfo.InvariantCulture, $"{h.Induction:F3} ± {h.Std[2]:F3}"),
                        string.Create(CultureInfo.InvariantCulture, $"{h.FirstToken:F3} ± {h.Std[3]:F3}"),
                        string.Join(", ", h.Labels),
                    }
            )
            .ToList();
        rows.Add(
            new[]
            {
                "uniform attention (control)",
                r.UniformBaseline["previous-token"].ToString("F3", CultureInfo.InvariantCulture),
                r.UniformBaseline["duplicate-token"].ToString("F3", CultureInfo.InvariantCulture),
                r.UniformBaseline["induction"].ToString("F3", CultureInfo.InvariantCulture),
                r.UniformBaseline["first-token"].ToString("F3", CultureInfo.InvariantCulture),
                "",
            }
        );
        string body =
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Mean attention weight on the detector's key position over {r.Options.Sequences} seeded sequences of BOS + a random block of {r.Options.BlockLength} tokens repeated twice (± standard deviation over sequences). Labels at score ≥ {r.Options.Threshold}."
                )
            )
            + HtmlReport.Table(
                new[] { "head", "previous-token", "duplicate-token", "induction", "first-token", "labels" },
                rows
            );
        return report.Add("head-detectors", "Head detectors", body);
    }

    /// <summary>Adds the interactive view and one heatmap per head.</summary>
    public static void AttentionPictures(
        HtmlReport report,
        IReadOnlyList<string> tokens,
        float[][][,] patterns,
        HeadDetectorResult? labels
    )
    {
        var names = labels?.Heads.ToDictionary(
            h => string.Create(CultureInfo.InvariantCulture, $"L{h.Layer}H{h.Head}"),
            h => string.Join(", ", h.Labels)
        );
        var grid = new System.Text.StringBuilder("<div class='grid'>");
        for (int l = 0; l < patterns.Length; l++)
        for (int h = 0; h < patterns[l].Length; h++)
            grid.Append(
                AttentionView.HeatmapSvg(
                    tokens,
                    patterns[l][h],
                    string.Create(CultureInfo.InvariantCulture, $"L{l}H{h}")
                        + (
                            names is not null
                            && names[string.Create(CultureInfo.InvariantCulture, $"L{l}H{h}")].Length > 0
                                ? $" ({names[string.Create(CultureInfo.InvariantCulture, $"L{l}H{h}")]})"
                                : ""
                        )
                )
            );
        grid.Append("</div>");
        report.Add("attention", "Attention patterns", AttentionView.InteractiveHtml(tokens, patterns, names) + grid);
    }

    /// <summary>HTML section: top-1 table per layer and position, and a target-probability heatmap.</summary>
    public static HtmlReport LogitLens(string model, LogitLensResult r, HtmlReport? into = null)
    {
        var report = into ?? new HtmlReport($"Logit lens: {model}");
        var positions = r
            .Tokens.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"{i}:{TokenDisplay.Label(t)}"))
            .ToList();
        var header = new[] { "layer" }.Concat(positions).ToList();
        var rows = r.Layers.Select(l =>
            (IReadOnlyList<string>)
                new[] { l.Name }
                    .Concat(
                        l.Cells.Select(c =>
                            string.Create(
                                CultureInfo.InvariantCulture,
                                $"{TokenDisplay.Label(c.Top[0].Text)} {c.Top[0].Prob:P0}"
                            )
                        )
                    )
                    .ToList()
        );
        string body =
            HtmlReport.Paragraph(
                "Each row decodes the residual stream after that layer (embed = before block 0) through the final norm and the unembedding: top-1 token and its probability per position. Control: the last row equals the model's output (max |diff| "
                    + r.LastLayerMaxAbsDiff.ToString("G3", CultureInfo.InvariantCulture)
                    + ")."
            ) + HtmlReport.Table(header, rows);
        if (r.Target is not null)
        {
            var m = new float[r.Layers.Count, r.Tokens.Count];
            for (int l = 0; l < r.Layers.Count; l++)
            for (int p = 0; p < r.Tokens.Count; p++)
                m[l, p] = (float)(r.Layers[l].Cells[p].TargetProb ?? 0);
            body += HtmlReport.Heatmap(
                m,
                r.Layers.Select(l => l.Name).ToList(),
                positions,
                $"probability of '{TokenDisplay.Label(r.TargetText)}' by layer (rows) and position (columns)",
                sqrtScale: true
            );
        }
        return report.Add("logit-lens", "Logit lens", body);
    }

    /// <summary>HTML section: the per-head heatmap and the component table.</summary>
    public static HtmlReport Dla(string model, int layers, int heads, DlaResult r, HtmlReport? into = null)
    {
        var report = into ?? new HtmlReport($"Direct logit attribution: {model}");
        var m = new float[layers, heads];
        foreach (var c in r.Components.Where(c => c.Kind == "head"))
            m[c.Layer!.Value, c.Head!.Value] = (float)c.Value;
        float max = (float)
            Math.Max(
                1e-6,
                r.Components.Where(c => c.Kind == "head").Select(c => Math.Abs(c.Value)).DefaultIfEmpty(0).Max()
            );
        string what = r.ContrastText is null
            ? $"logit('{TokenDisplay.Label(r.TargetText)}')"
            : $"logit('{TokenDisplay.Label(r.TargetText)}') − logit('{TokenDisplay.Label(r.ContrastText)}')";
        string body =
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{what} at position {r.Position} ('{TokenDisplay.Label(r.Token)}'): parts sum to {r.Sum:F4}, real value {r.Actual:F4} (|error| {r.Error:G2}). The final norm's scale is frozen at its value in the run; LayerNorm parts are centred."
                )
            )
            + HtmlReport.Heatmap(
                m,
                Enumerable.Range(0, layers).Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}")).ToList(),
                Enumerable.Range(0, heads).Select(h => string.Create(CultureInfo.InvariantCulture, $"H{h}")).ToList(),
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"per-head contribution (red raises, blue lowers; ±{max:F3})"
                ),
                -max,
                max
            )
            + HtmlReport.Table(
                new[] { "component", "kind", "contribution" },
                r.Components.OrderByDescending(c => Math.Abs(c.Value))
                    .Select(c =>
                        (IReadOnlyList<string>)
                            new[] { c.Name, c.Kind, c.Value.ToString("F4", CultureInfo.InvariantCulture) }
                    )
            );
        return report.Add("dla", "Direct logit attribution", body);
    }
}
