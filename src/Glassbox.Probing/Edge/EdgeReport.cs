using System.Globalization;
using Glassbox.Reports;

namespace Glassbox.Probing.Edge;

/// <summary>Adds an edge-probing section (layer curve with bands and baselines, and a table) to the HTML report.</summary>
public static class EdgeReport
{
    /// <summary>Adds the section for <paramref name="r"/>.</summary>
    public static void AddSection(HtmlReport report, EdgeProbeResult r, string modelName, string dataDescription)
    {
        string what =
            r.Task == "span"
                ? "phrase type of a subtree span"
                : "dependency relation between a head's and a dependent's subtree spans";
        var (x, curve) = ProbeReport.LayerCurve(
            r.Layers,
            r.MajorityBaseline,
            $"Edge probe ({r.Task}, {r.Pooling} pooling) on {modelName}"
        );
        var best = r.BestLayer;
        var emb = r.Layers[0].Task.Accuracy.Value;
        report.Add(
            $"edge-{r.Task}-{r.Pooling}",
            $"Edge probe: {r.Task} ({r.Pooling} pooling)",
            HtmlReport.Paragraph(
                $"{dataDescription}. Task: the {what} (Tenney et al. 2019 edge probing on UD trees). "
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"{r.TrainExamples:N0} training and {r.TestExamples:N0} test examples, {r.Labels.Count} labels; majority class "
                    )
                    + string.Create(
                        CultureInfo.InvariantCulture,
                        $"'{r.MajorityLabel}' = {r.MajorityBaseline:F3}; embedding layer {emb:F3}. Best layer: {x[best.Layer]} with accuracy "
                    )
                    + $"{best.Task.Accuracy} (95% bootstrap interval over sentences){(best.Selectivity is double s ? string.Create(CultureInfo.InvariantCulture, $", selectivity {s:F3}") : "")}."
                    + (
                        best.Task.Accuracy.Lower <= emb
                            ? " The best layer's interval reaches down to the embedding layer's accuracy: contextual layers add little here."
                            : ""
                    )
                    + (
                        r.UnseenTestLabelExamples > 0
                            ? string.Create(
                                CultureInfo.InvariantCulture,
                                $" {r.UnseenTestLabelExamples} test examples have labels never seen in training and are left out."
                            )
                            : ""
                    )
                    + (
                        r.DroppedExamples > 0
                            ? string.Create(
                                CultureInfo.InvariantCulture,
                                $" {r.DroppedExamples} examples lost words to truncation and are left out."
                            )
                            : ""
                    )
            ) + curve
        );
    }
}
