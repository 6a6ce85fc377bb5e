using System.Globalization;
using Glassbox.Circuits.Patching;
using Glassbox.Reports;

namespace Glassbox.Cli.Commands;

/// <summary>How <c>patch-set</c> and <c>patch-set-merge</c> show a result (the same for one run and a merged sharded
/// one), and what a worker prints.</summary>
internal static class PatchSetOutput
{
    private static string F(double v) => double.IsFinite(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    public static void Write(string command, PromptSetPatchingResult r, RunManifest manifest, bool json, string? report)
    {
        if (report is not null)
            r.AddTo(new HtmlReport($"Patching over a prompt set: {r.Model}")).Save(report);
        if (json)
        {
            CliJson.Write(command, r.Model, r, manifest with { Command = command });
            return;
        }
        // Columns (tokens or heads) down the side, layers across, as in 'patch'.
        var t = Show.Table(r.Kind.IsPerHead() ? "head" : "position");
        foreach (var l in r.Layers)
            t.Column(string.Create(CultureInfo.InvariantCulture, $"L{l}"));
        for (int c = 0; c < r.ColumnLabels.Count; c++)
            t.Row(new[] { r.ColumnLabels[c] }.Concat(r.Effects.Select(row => F(row[c].Value))).ToArray());
        Show.Write(t);
        var (layer, column, effect) = r.Strongest();
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Mode} patching of {r.Kind.Name()} over {r.Prompts} prompt pairs ({r.Alignment}); logit difference: clean mean {r.CleanMean:G4}, corrupted mean {r.CorruptedMean:G4}. Cells: (mean patched − mean corrupted) / (mean clean − mean corrupted)."
            )
        );
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Strongest: L{layer} {column}: {effect.Value:F3} [95% {effect.Lower:F3}, {effect.Upper:F3}] over prompts ({r.Resamples} resamples)."
            )
        );
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Control: gap clean − corrupted {r.Gap.Value:G4} [95% {r.Gap.Lower:G4}, {r.Gap.Upper:G4}]."
            )
        );
        if (r.Note is not null)
            Show.Line("Warning: " + r.Note);
        if (report is not null)
            Show.Wrote(report);
    }

    public static void Worker(PatchShardSummary summary, string model, bool json)
    {
        if (json)
        {
            CliJson.Write("patch-set", model, summary);
            return;
        }
        static string N(double v, string f = "N0") => v.ToString(f, CultureInfo.InvariantCulture);
        var t = Show.Titled($"Patching over prompts on {model}: worker {summary.Shard}", "", "");
        t.Row("prompt pairs in the job", N(summary.Prompts));
        t.Row(
            "shards",
            $"{N(summary.Shards)} in all; this worker's: {N(summary.PartsFound)} found written, {N(summary.PartsWritten)} written now"
        );
        t.Row("pairs swept now", N(summary.PromptsPatched));
        t.Row("time", N(summary.Seconds, "F1") + " s");
        Show.Write(t);
        Show.Line("When every worker is done: glassbox patch-set-merge --parts " + summary.Parts);
    }
}
