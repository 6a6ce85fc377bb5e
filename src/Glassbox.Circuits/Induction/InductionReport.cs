using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Reports;

namespace Glassbox.Circuits.Induction;

/// <summary>HTML sections for induction results: per-head heatmaps and tables, the ablation, the checkpoint sweep.</summary>
public static class InductionReport
{
    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>Adds the single-model analysis.</summary>
    public static HtmlReport Add(HtmlReport report, InductionResult r, int layers, int heads)
    {
        var l = r.Losses;
        report.Add(
            "induction-loss",
            "Repeated random tokens",
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{r.Sequences} sequences of T = {r.SegmentLength} random tokens shown twice{(r.HasBos ? " after BOS" : "")}. Loss in the first copy {l.FirstCopy}, "
                )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"second copy {l.SecondCopy} nats (uniform guess {F(l.UniformLoss)}). In-context-learning score (loss at position {l.LatePosition} minus "
                    )
                    + string.Create(CultureInfo.InvariantCulture, $"loss at position {l.EarlyPosition}): {l.IclScore}.")
            )
        );
        report.Add(
            "induction-heads",
            "Head scores",
            HtmlReport.Heatmap(
                Grid(r, layers, heads, h => h.Induction),
                Rows(layers),
                Cols(heads),
                "prefix-matching (induction) score",
                cell: 24
            )
                + HtmlReport.Heatmap(
                    Grid(r, layers, heads, h => h.PreviousToken),
                    Rows(layers),
                    Cols(heads),
                    "previous-token score",
                    cell: 24
                )
                + HtmlReport.Table(
                    new[]
                    {
                        "head",
                        "previous-token",
                        "prefix-matching",
                        "direct copying (logits)",
                        "OV copying Σλ/Σ|λ|",
                    },
                    r.Heads.Select(h =>
                        (IReadOnlyList<string>)
                            new[]
                            {
                                HeadName.Format(h.Layer, h.Head),
                                F(h.PreviousToken),
                                F(h.Induction),
                                F(h.DirectCopying),
                                F(h.OvCopying),
                            }
                    )
                )
        );
        if (r.Ablation is { } a)
            report.Add(
                "induction-ablation",
                "Ablation",
                HtmlReport.Paragraph(
                    $"Zero-ablating {string.Join(", ", a.Heads)} ({HookPoints.AttnZ.Leaf}): second-copy loss {a.Losses.SecondCopy} (+{F(a.SecondCopyIncrease)}), ICL score "
                        + $"{a.Losses.IclScore} ({(a.IclScoreChange >= 0 ? "+" : "")}{F(a.IclScoreChange)}). Control (same number of random other heads): "
                        + $"second-copy loss +{(a.ControlSecondCopyIncrease is double c ? F(c) : "n/a")}, ICL score change {(a.ControlIclScoreChange is double d ? F(d) : "n/a")}."
                )
            );
        if (r.HeadAblations is { } scan)
            report.Add(
                "induction-scan",
                "Single-head ablations",
                HtmlReport.Table(
                    new[] { "head", "second-copy loss change", "ICL score change" },
                    scan.Select(a =>
                        (IReadOnlyList<string>)
                            new[] { HeadName.Format(a.Layer, a.Head), F(a.SecondCopyIncrease), F(a.IclScoreChange) }
                    )
                )
            );
        return report;
    }

    /// <summary>Adds the checkpoint sweep: table and line chart of the phase change.</summary>
    public static HtmlReport Add(HtmlReport report, CheckpointSweepResult s)
    {
        var labels = s.Points.Select(p => p.Step.ToString(CultureInfo.InvariantCulture)).ToList();
        var chartLoss = LineChart.Svg(
            labels,
            new[]
            {
                new ChartSeries(
                    "first-copy loss",
                    s.Points.Select(p => p.FirstCopyLoss).ToList(),
                    Color: LineChart.Palette[4]
                ),
                new ChartSeries(
                    "second-copy loss",
                    s.Points.Select(p => p.SecondCopyLoss).ToList(),
                    Color: LineChart.Palette[0]
                ),
                new ChartSeries(
                    "training loss",
                    s.Points.Select(p => p.TrainLoss ?? double.NaN).ToList(),
                    Color: LineChart.Palette[2],
                    Dashed: true
                ),
            },
            "Loss across checkpoints",
            "nats / token",
            width: 760
        );
        var chartScores = LineChart.Svg(
            labels,
            new[]
            {
                new ChartSeries(
                    "best prefix-matching",
                    s.Points.Select(p => p.TopInduction.Induction).ToList(),
                    Color: LineChart.Palette[1]
                ),
                new ChartSeries(
                    "best previous-token",
                    s.Points.Select(p => p.TopPreviousToken.PreviousToken).ToList(),
                    Color: LineChart.Palette[3]
                ),
            },
            "Head scores across checkpoints",
            "attention",
            0,
            1,
            width: 760
        );
        var table = HtmlReport.Table(
            new[]
            {
                "step",
                "train loss",
                "first copy",
                "second copy",
                "ICL score",
                "best induction head",
                "best prev-token head",
            },
            s.Points.Select(p =>
                (IReadOnlyList<string>)
                    new[]
                    {
                        p.Step.ToString(CultureInfo.InvariantCulture),
                        p.TrainLoss is double t ? F(t) : "",
                        F(p.FirstCopyLoss),
                        F(p.SecondCopyLoss),
                        F(p.IclScore),
                        HeadName.Format(p.TopInduction.Layer, p.TopInduction.Head)
                            + " ("
                            + F(p.TopInduction.Induction)
                            + ")",
                        HeadName.Format(p.TopPreviousToken.Layer, p.TopPreviousToken.Head)
                            + " ("
                            + F(p.TopPreviousToken.PreviousToken)
                            + ")",
                    }
            )
        );
        string phase = s.PhaseChangeStep is int st
            ? string.Create(
                CultureInfo.InvariantCulture,
                $"The best prefix-matching score first reaches 0.5 at step {st}."
            )
            : "No checkpoint has a head with prefix-matching score ≥ 0.5.";
        report.Add(
            "induction-checkpoints",
            "Across checkpoints",
            chartLoss + chartScores + HtmlReport.Paragraph(phase) + table
        );
        return report;
    }

    private static float[,] Grid(InductionResult r, int layers, int heads, Func<HeadInductionScore, double> f)
    {
        var g = new float[layers, heads];
        foreach (var h in r.Heads)
            g[h.Layer, h.Head] = (float)f(h);
        return g;
    }

    private static IReadOnlyList<string> Rows(int layers) =>
        Enumerable.Range(0, layers).Select(l => string.Create(CultureInfo.InvariantCulture, $"L{l}")).ToList();

    private static IReadOnlyList<string> Cols(int heads) =>
        Enumerable.Range(0, heads).Select(h => string.Create(CultureInfo.InvariantCulture, $"H{h}")).ToList();
}
