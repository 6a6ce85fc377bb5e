using System.ComponentModel;
using System.Globalization;
using Glassbox.Circuits.Patching;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox patch</c>: activation patching between a clean and a corrupted prompt.</summary>
public sealed class PatchCommand : Command<PatchCommand.Settings>
{
    public sealed class Settings : PatchingSettings
    {
        [CommandOption("--clean <TEXT>")]
        [Description("Clean prompt.")]
        public string? Clean { get; init; }

        [CommandOption("--corrupted <TEXT>")]
        [Description("Corrupted prompt (same token length).")]
        public string? Corrupted { get; init; }

        [CommandOption("--clean-ids <IDS>")]
        [Description("Clean prompt as token ids (instead of --clean).")]
        public string? CleanIds { get; init; }

        [CommandOption("--corrupted-ids <IDS>")]
        [Description("Corrupted prompt as token ids.")]
        public string? CorruptedIds { get; init; }

        [CommandOption("--answer <TOK>")]
        [Description("Correct answer (a word continuing the prompt, or #id).")]
        public string? Answer { get; init; }

        [CommandOption("--wrong <TOK>")]
        [Description("Wrong answer for the logit difference (word or #id).")]
        public string? Wrong { get; init; }

        [CommandOption("--metric <M>")]
        [Description("logit-diff (default; needs --answer and --wrong), prob (p of --answer) or loss.")]
        public string Metric { get; init; } = "logit-diff";

        [CommandOption("--positions <P>")]
        [Description("Comma-separated positions (default all).")]
        public string? Positions { get; init; }

        [CommandOption("--attribution")]
        [Description("Also run attribution patching and compare it with exact patching per node type.")]
        public bool Attribution { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Write an HTML report with heatmaps.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var kind = s.Kind();
        var options = s.Options(Ints(s.Positions, "--positions"));
        var mode = options.Mode;
        using var model = CliModel.Load(s);
        var clean = CliModel.Ids(model, s.Clean, s.CleanIds, textOption: "--clean", idsOption: "--clean-ids");
        var corrupted = CliModel.Ids(
            model,
            s.Corrupted,
            s.CorruptedIds,
            textOption: "--corrupted",
            idsOption: "--corrupted-ids"
        );
        ActivationPatcher.CheckPair(clean, corrupted);
        string text = s.Clean ?? "";
        int Tok(string? t, string opt) =>
            t is null
                ? throw new InputException($"{opt} is required for --metric {s.Metric}")
                : TracePrompt.AnswerToken(model, text, t);
        var metric = s.Metric.Trim().ToLowerInvariant() switch
        {
            "logit-diff" => LogitDiff(Tok(s.Answer, "--answer"), Tok(s.Wrong, "--wrong")),
            "prob" => Probability(Tok(s.Answer, "--answer")),
            "loss" => PatchMetric.Loss(mode == PatchMode.Denoise ? clean : corrupted),
            _ => throw new InputException($"--metric: unknown metric '{s.Metric}'; use logit-diff, prob or loss"),
        };
        PatchMetric LogitDiff(int a, int w) =>
            PatchMetric.LogitDiff(a, w, label: $"logit_diff('{CliModel.Tok(model, a)}' - '{CliModel.Tok(model, w)}')");
        PatchMetric Probability(int a) => PatchMetric.Probability(a, label: $"p('{CliModel.Tok(model, a)}')");
        var sweep = CliProgress.Run("patch", s.Json, "patches", p =>
            ActivationPatching.Sweep(model, clean, corrupted, metric, kind, options with { Progress = p.Counter })
        );
        var attribution = s.Attribution
            ? AttributionPatching.Compare(
                model,
                clean,
                corrupted,
                metric,
                options with
                {
                    Layers = null,
                    Positions = null,
                    Heads = null,
                }
            )
            : null;
        var manifest = RunManifest.For(
            "patch",
            model,
            null,
            new Dictionary<string, string>
            {
                ["hook"] = kind.Name(),
                ["mode"] = mode.ToString().ToLowerInvariant(),
                ["metric"] = metric.Name,
                ["chunkSize"] = s.ChunkSize.ToString(CultureInfo.InvariantCulture),
                ["clean"] = s.Clean ?? s.CleanIds ?? "",
                ["corrupted"] = s.Corrupted ?? s.CorruptedIds ?? "",
            }
        );
        if (s.Out is not null)
        {
            var report = new HtmlReport($"Activation patching: {model.Name}");
            sweep.AddTo(report);
            attribution?.AddTo(report);
            report.Save(s.Out);
        }
        if (s.Json)
        {
            object? attr = attribution is null
                ? null
                : new
                {
                    attribution.AttributionMs,
                    attribution.ExactMs,
                    attribution.SpeedUp,
                    checks = attribution.Checks.Select(c => new
                    {
                        kind = c.Kind.Name(),
                        c.Pearson,
                        c.Nodes,
                        estimate = c.Estimate.Effects,
                    }),
                };
            CliJson.Write("patch", model.Name, new { sweep, attribution = attr }, manifest);
            return 0;
        }
        // Tokens down the side (prompts are long), layers across.
        var t = Show.Table(kind.IsPerHead() ? "head" : "position");
        foreach (var l in sweep.Layers)
            t.Column(string.Create(CultureInfo.InvariantCulture, $"L{l}"));
        for (int c = 0; c < sweep.ColumnLabels.Count; c++)
            t.Row(
                new[] { sweep.ColumnLabels[c] }
                    .Concat(sweep.Effects.Select(r => r[c].ToString("F2", CultureInfo.InvariantCulture)))
                    .ToArray()
            );
        Show.Write(t);
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{mode} patching of {kind.Name()}, {metric.Name}: clean {sweep.CleanScore:G4}, corrupted {sweep.CorruptedScore:G4}; cells are (metric - corrupted) / (clean - corrupted); {sweep.Forwards} forwards."
            )
        );
        if (attribution is not null)
        {
            var a = Show.Table("node type", "nodes", "Pearson r vs exact");
            foreach (var c in attribution.Checks)
                a.Row(
                    c.Kind.Name(),
                    c.Nodes.ToString(CultureInfo.InvariantCulture),
                    c.Pearson.ToString("F3", CultureInfo.InvariantCulture)
                );
            Show.Write(a);
            Show.Markup(
                $"attribution {attribution.AttributionMs:F1} ms, exact {attribution.ExactMs:F1} ms: {attribution.SpeedUp:F1}x faster"
            );
        }
        if (s.Out is not null)
            Show.Wrote(s.Out);
        return 0;
    }

    internal static IReadOnlyList<int>? Ints(string? s, string opt) =>
        s is null
            ? null
            : s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => ArgumentCheck.Int(p, opt))
                .ToList();
}
