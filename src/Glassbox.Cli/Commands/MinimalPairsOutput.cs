using System.Globalization;
using Glassbox.Probing;
using Glassbox.Reports;

namespace Glassbox.Cli.Commands;

/// <summary>How <c>probe minimal-pairs</c> and <c>probe minimal-pairs-merge</c> show their results (the same for a
/// single run and a merged sharded one), and what a worker of a sharded run prints.</summary>
internal static class MinimalPairsOutput
{
    /// <summary>The result as JSON (the envelope names <paramref name="command"/>) or a table, plus the optional HTML
    /// report.</summary>
    public static void Write(string command, MinimalPairResult result, RunManifest manifest, bool json, string? report)
    {
        if (report is not null)
        {
            var html = new HtmlReport($"Minimal pairs: {result.Model}");
            ParameterFreeReport.AddMinimalPairs(html, result).Save(report);
        }
        if (json)
        {
            CliJson.Write(command, result.Model, result, manifest with { Command = command });
            return;
        }
        var t = Show.Table("phenomenon", "pairs", "accuracy [95%]", "mean criterion [95%]");
        foreach (var p in result.Phenomena)
            t.Row(
                p.Name,
                p.Count.ToString(CultureInfo.InvariantCulture),
                ParameterFreeReport.Pct(p.Accuracy),
                ParameterFreeReport.Pct(p.MeanAccuracy)
            );
        t.Row(
            Show.Styled("bold", "all"),
            Show.Cell(result.Count.ToString(CultureInfo.InvariantCulture)),
            Show.Cell(ParameterFreeReport.Pct(result.Accuracy)),
            Show.Cell(ParameterFreeReport.Pct(result.MeanAccuracy))
        );
        Show.Write(t);
        Show.Markup(
            $"{result.Model} ({result.Method}): {result.Count} pairs, chance {result.Chance:P0}; ties count as wrong."
        );
        if (report is not null)
            Show.Wrote(report);
    }

    /// <summary>What one worker of a sharded run did.</summary>
    public static void WriteWorker(MinimalPairShardSummary summary, string model, bool json)
    {
        if (json)
        {
            CliJson.Write("probe minimal-pairs", model, summary);
            return;
        }
        static string N(double v, string f = "N0") => v.ToString(f, CultureInfo.InvariantCulture);
        var t = Show.Titled($"Minimal pairs on {model}: worker {summary.Shard}", "", "");
        t.Row("pairs in the job", N(summary.Pairs));
        t.Row(
            "shards",
            $"{N(summary.Shards)} in all; this worker's: {N(summary.PartsFound)} found written, {N(summary.PartsWritten)} written now"
        );
        t.Row("pairs scored now", N(summary.PairsScored));
        t.Row("time", N(summary.Seconds, "F1") + " s");
        Show.Write(t);
        Show.Markup($"When every worker is done: glassbox probe minimal-pairs-merge --parts {summary.Parts}");
    }
}
