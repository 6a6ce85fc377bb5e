using Glassbox.Reports;

namespace Glassbox.Cli.Commands;

/// <summary>Writes a probe command's outputs: the JSON payload to --out (or the HTML report when --out ends in .html) and
/// the HTML report to --report.</summary>
internal static class ProbeOutput
{
    public static void Write<T>(T payload, string? outFile, string? reportFile, string title, Action<HtmlReport> addSections)
    {
        bool outIsHtml = outFile is not null && outFile.EndsWith(".html", StringComparison.OrdinalIgnoreCase);
        if (outFile is not null && !outIsHtml) ResultJson.Save(outFile, payload);
        foreach (var file in new[] { outIsHtml ? outFile : null, reportFile }.OfType<string>().Distinct())
        {
            var report = new HtmlReport(title);
            addSections(report);
            report.Save(file);
        }
    }
}
