using System.Globalization;
using Glassbox.Reports;

namespace Glassbox.Probing;

/// <summary>Adds probing sections to the HTML report.</summary>
public static class ProbeReport
{
    /// <summary>Accuracy per layer with 95% bands, control accuracy, selectivity, random-weights model and majority
    /// baseline, plus a table of the same numbers.</summary>
    public static void AddWordProbe(HtmlReport report, WordProbeResult r, string modelName, string dataDescription)
    {
        var (x, curve) = LayerCurve(r.Layers, r.MajorityBaseline, $"{r.Task} probe on {modelName}");
        var best = r.BestLayer;
        report.Add(
            $"probe-{r.Task.ToLowerInvariant()}",
            $"Probe: {r.Task}",
            HtmlReport.Paragraph(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{dataDescription}. {r.TrainWords:N0} training and {r.TestWords:N0} test words, {r.Labels.Count} labels; "
                )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"majority class '{r.MajorityLabel}' = {r.MajorityBaseline:F3}. Best layer: {x[best.Layer]} with accuracy {best.Task.Accuracy} "
                    )
                    + $"(95% bootstrap interval over sentences){(best.Selectivity is double s ? string.Create(CultureInfo.InvariantCulture, $", selectivity {s:F3}") : "")}."
                    + (
                        r.UnseenTestLabelWords > 0
                            ? string.Create(
                                CultureInfo.InvariantCulture,
                                $" {r.UnseenTestLabelWords} test words have labels never seen in training and are left out."
                            )
                            : ""
                    )
                    + (
                        r.TruncatedSentences > 0
                            ? string.Create(
                                CultureInfo.InvariantCulture,
                                $" {r.TruncatedSentences} sentences were truncated to the model's context."
                            )
                            : ""
                    )
            )
                + Meaning(ProbeMeaning.Of(r))
                + curve
        );
    }

    /// <summary>The "what this means" paragraph of a reading, flagged when inconclusive.</summary>
    public static string Meaning(ProbeMeaningText m) => HtmlReport.Meaning(m.Text, m.Inconclusive);

    /// <summary>The per-layer picture and table shared by every trained-probe section: task accuracy with its 95% band,
    /// control accuracy, selectivity, the random-weights model and the majority class, then the same numbers as a table.
    /// Returns the layer labels ("emb", "L1", ...) and the HTML.</summary>
    public static (IReadOnlyList<string> Labels, string Html) LayerCurve(
        IReadOnlyList<LayerProbeResult> layers,
        double majority,
        string title
    )
    {
        var x = layers
            .Select(l => l.Layer == 0 ? "emb" : string.Create(CultureInfo.InvariantCulture, $"L{l.Layer}"))
            .ToList();
        var series = new List<ChartSeries>
        {
            new(
                "task accuracy",
                layers.Select(l => l.Task.Accuracy.Value).ToList(),
                layers.Select(l => l.Task.Accuracy.Lower).ToList(),
                layers.Select(l => l.Task.Accuracy.Upper).ToList(),
                LineChart.Palette[0]
            ),
        };
        if (layers.All(l => l.Control is not null))
        {
            series.Add(
                new(
                    "control task",
                    layers.Select(l => l.Control!.Value).ToList(),
                    layers.Select(l => l.Control!.Lower).ToList(),
                    layers.Select(l => l.Control!.Upper).ToList(),
                    LineChart.Palette[1]
                )
            );
            series.Add(
                new(
                    "selectivity",
                    layers.Select(l => l.Selectivity ?? double.NaN).ToList(),
                    Color: LineChart.Palette[2]
                )
            );
        }
        if (layers.All(l => l.RandomModel is not null))
            series.Add(
                new(
                    "random-weights model",
                    layers.Select(l => l.RandomModel!.Value).ToList(),
                    layers.Select(l => l.RandomModel!.Lower).ToList(),
                    layers.Select(l => l.RandomModel!.Upper).ToList(),
                    LineChart.Palette[3],
                    true
                )
            );
        series.Add(
            new("majority class", layers.Select(_ => majority).ToList(), Color: LineChart.Palette[4], Dashed: true)
        );
        var chart = LineChart.Svg(x, series, title, "accuracy", 0, 1);
        var rows = layers.Select(l =>
            (IReadOnlyList<string>)
                new[]
                {
                    x[l.Layer],
                    l.Hook,
                    l.Task.Accuracy.ToString(),
                    l.Task.MacroF1.ToString(),
                    l.Control?.ToString() ?? "-",
                    l.Selectivity?.ToString("F3", CultureInfo.InvariantCulture) ?? "-",
                    l.RandomModel?.ToString() ?? "-",
                }
        );
        return (
            x,
            chart
                + HtmlReport.Table(
                    new[]
                    {
                        "layer",
                        "hook",
                        "accuracy [95% CI]",
                        "macro-F1",
                        "control accuracy",
                        "selectivity",
                        "random-weights model",
                    },
                    rows
                )
        );
    }
}
