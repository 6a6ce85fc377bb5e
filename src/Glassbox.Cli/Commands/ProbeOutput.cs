using System.Globalization;
using Glassbox.Probing;
using Glassbox.Reports;
using Spectre.Console;

namespace Glassbox.Cli.Commands;

/// <summary>Writes a probe command's outputs: the JSON payload to --out (or the HTML report when --out ends in .html) and
/// the HTML report to --report.</summary>
internal static class ProbeOutput
{
    public static void Write<T>(
        ResultEnvelope<T> payload,
        string? outFile,
        string? reportFile,
        string title,
        Action<HtmlReport> addSections
    )
    {
        bool outIsHtml = outFile is not null && outFile.EndsWith(".html", StringComparison.OrdinalIgnoreCase);
        if (outFile is not null && !outIsHtml)
            CliJson.Save(outFile, payload);
        foreach (var file in new[] { outIsHtml ? outFile : null, reportFile }.OfType<string>().Distinct())
        {
            var report = new HtmlReport(title);
            addSections(report);
            report.Save(file);
        }
    }

    /// <summary>Prints the per-layer table (accuracy with interval, macro-F1, control, selectivity, random model) and the
    /// majority / best-layer line that every trained-probe command shows.</summary>
    public static void PrintLayers(
        string title,
        IReadOnlyList<LayerProbeResult> layers,
        string majorityLabel,
        double majority
    )
    {
        var t = Show.Titled(title)
            .Columns("layer", "accuracy [95% CI]", "macro-F1", "control", "selectivity", "random model");
        foreach (var l in layers)
            t.Row(
                l.Layer == 0 ? "emb" : string.Create(CultureInfo.InvariantCulture, $"L{l.Layer}"),
                l.Task.Accuracy.ToString(),
                l.Task.MacroF1.Value.ToString("F3", CultureInfo.InvariantCulture),
                l.Control?.Value.ToString("F3", CultureInfo.InvariantCulture) ?? "-",
                l.Selectivity?.ToString("F3", CultureInfo.InvariantCulture) ?? "-",
                l.RandomModel?.Value.ToString("F3", CultureInfo.InvariantCulture) ?? "-"
            );
        Show.Write(t);
        var best = layers.MaxBy(l => l.Task.Accuracy.Value)!;
        Show.Markup(
            $"majority class '{majorityLabel}': {majority:F3}; best layer {best.Layer} ({best.Task.Accuracy.ToString()})."
        );
    }
}
