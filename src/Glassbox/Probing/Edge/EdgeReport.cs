using Glassbox.Reports;

namespace Glassbox.Probing.Edge;

/// <summary>Adds an edge-probing section (layer curve with bands and baselines, and a table) to the HTML report.</summary>
public static class EdgeReport
{
    /// <summary>Adds the section for <paramref name="r"/>.</summary>
    public static void AddSection(HtmlReport report, EdgeProbeResult r, string modelName, string dataDescription)
    {
        var x = r.Layers.Select(l => l.Layer == 0 ? "emb" : $"L{l.Layer}").ToList();
        var series = new List<ChartSeries>
        {
            new("task accuracy", r.Layers.Select(l => l.Task.Accuracy.Value).ToList(), r.Layers.Select(l => l.Task.Accuracy.Low).ToList(), r.Layers.Select(l => l.Task.Accuracy.High).ToList(), LineChart.Palette[0]),
        };
        if (r.Layers.All(l => l.Control is not null))
        {
            series.Add(new("control task", r.Layers.Select(l => l.Control!.Value).ToList(), r.Layers.Select(l => l.Control!.Low).ToList(), r.Layers.Select(l => l.Control!.High).ToList(), LineChart.Palette[1]));
            series.Add(new("selectivity", r.Layers.Select(l => l.Selectivity ?? double.NaN).ToList(), Color: LineChart.Palette[2]));
        }
        if (r.Layers.All(l => l.RandomModel is not null))
            series.Add(new("random-weights model", r.Layers.Select(l => l.RandomModel!.Value).ToList(), r.Layers.Select(l => l.RandomModel!.Low).ToList(), r.Layers.Select(l => l.RandomModel!.High).ToList(), LineChart.Palette[3], true));
        series.Add(new("majority class", r.Layers.Select(_ => r.MajorityBaseline).ToList(), Color: LineChart.Palette[4], Dashed: true));
        string what = r.Task == "span" ? "phrase type of a subtree span" : "dependency relation between a head's and a dependent's subtree spans";
        var chart = LineChart.Svg(x, series, $"Edge probe ({r.Task}, {r.Pooling} pooling) on {modelName}", "accuracy", 0, 1);
        var rows = r.Layers.Select(l => (IReadOnlyList<string>)new[]
        {
            x[l.Layer], l.Hook, l.Task.Accuracy.ToString(), l.Task.MacroF1.ToString(), l.Control?.ToString() ?? "-",
            l.Selectivity?.ToString("F3") ?? "-", l.RandomModel?.ToString() ?? "-",
        });
        var best = r.BestLayer;
        var emb = r.Layers[0].Task.Accuracy.Value;
        report.Add($"edge-{r.Task}-{r.Pooling}", $"Edge probe: {r.Task} ({r.Pooling} pooling)",
            HtmlReport.Paragraph($"{dataDescription}. Task: the {what} (Tenney et al. 2019 edge probing on UD trees). " +
                $"{r.TrainExamples:N0} training and {r.TestExamples:N0} test examples, {r.Labels.Count} labels; majority class " +
                $"'{r.MajorityLabel}' = {r.MajorityBaseline:F3}; embedding layer {emb:F3}. Best layer: {x[best.Layer]} with accuracy " +
                $"{best.Task.Accuracy} (95% bootstrap interval over sentences){(best.Selectivity is double s ? $", selectivity {s:F3}" : "")}." +
                (best.Task.Accuracy.Low <= emb ? " The best layer's interval reaches down to the embedding layer's accuracy: contextual layers add little here." : "") +
                (r.UnseenTestLabelExamples > 0 ? $" {r.UnseenTestLabelExamples} test examples have labels never seen in training and are left out." : "") +
                (r.DroppedExamples > 0 ? $" {r.DroppedExamples} examples lost words to truncation and are left out." : "")) +
            chart + HtmlReport.Table(new[] { "layer", "hook", "accuracy [95% CI]", "macro-F1", "control accuracy", "selectivity", "random-weights model" }, rows));
    }
}
