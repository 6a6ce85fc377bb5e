using System.Globalization;
using Glassbox.Probing;
using Glassbox.Reports;

namespace Glassbox.Cli.Commands;

/// <summary>How <c>probe cloze</c> and <c>probe cloze-merge</c> show their results (the same for a single run and a
/// merged sharded one), and what a worker of a sharded run prints.</summary>
internal static class ClozeOutput
{
    /// <summary>The result as JSON (the envelope names <paramref name="command"/>) or a table, plus the optional HTML
    /// report.</summary>
    public static void Write(string command, ClozeResult result, RunManifest manifest, bool json, string? report)
    {
        if (report is not null)
            ParameterFreeReport.AddCloze(new HtmlReport($"Cloze facts: {result.Model}"), result).Save(report);
        if (json)
        {
            CliJson.Write(command, result.Model, result, manifest with { Command = command });
            return;
        }
        var t = Show.Table("relation", "mode", "facts", "P@1 [95%]", "P@5 [95%]", "P@10 [95%]");
        foreach (var r in result.Relations.Append(result.Overall))
            t.Row(
                r.Relation,
                r.Mode.ToString().ToLowerInvariant(),
                r.Count.ToString(CultureInfo.InvariantCulture),
                ParameterFreeReport.Pct(r.P1),
                ParameterFreeReport.Pct(r.P5),
                ParameterFreeReport.Pct(r.P10)
            );
        Show.Write(t);
        foreach (var ps in result.Sensitivity)
            Show.Markup(
                $"{ps.Relation}: P@1 over {ps.Templates.Count} templates spread {ps.Spread:F3}, std {ps.Std:F3}"
            );
        if (report is not null)
            Show.Wrote(report);
    }

    /// <summary>What one worker of a sharded run did.</summary>
    public static void WriteWorker(ClozeShardSummary summary, string model, bool json)
    {
        if (json)
        {
            CliJson.Write("probe cloze", model, summary);
            return;
        }
        static string N(double v, string f = "N0") => v.ToString(f, CultureInfo.InvariantCulture);
        var t = Show.Titled($"Cloze facts on {model}: worker {summary.Shard}", "", "");
        t.Row("facts in the job", $"{N(summary.Facts)} in {N(summary.Relations)} relations");
        t.Row(
            "shards",
            $"{N(summary.Shards)} in all; this worker's: {N(summary.PartsFound)} found written, {N(summary.PartsWritten)} written now"
        );
        t.Row("facts ranked now", N(summary.FactsRanked));
        t.Row("time", N(summary.Seconds, "F1") + " s");
        Show.Write(t);
        Show.Markup($"When every worker is done: glassbox probe cloze-merge --parts {summary.Parts}");
    }
}
