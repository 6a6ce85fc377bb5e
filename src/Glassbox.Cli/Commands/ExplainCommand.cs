using System.ComponentModel;
using System.Globalization;
using Glassbox.Explain;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox explain</c>: the main job — a self-contained HTML report about a model.</summary>
public sealed class ExplainCommand : Command<ExplainCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("-t|--text <TEXT>")]
        [Description("Sample sentence for the attention pictures.")]
        public string Text { get; init; } = ModelReport.DefaultSample;

        [CommandOption("--no-probes")]
        [Description(
            "Skip the probing sections (UPOS on UD EWT or generated sentences, sentence/structural probes, attention heads with rollout and head ablations, coreference, minimal pairs for causal LMs)."
        )]
        public bool NoProbes { get; init; }

        [CommandOption("--no-circuits")]
        [Description(
            "Skip the circuits sections (head detectors; for causal LMs also the logit lens and activation patching)."
        )]
        public bool NoCircuits { get; init; }

        [CommandOption("--builtin-data")]
        [Description("Use only generated data, even when ../shared/data (UD EWT, BLiMP) is present.")]
        public bool BuiltinData { get; init; }

        [CommandOption("-o|--out <FILE>")]
        [Description("Report file. Default out/glassbox-report.html under the current directory (out/ is created).")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        using var model = CliModel.Load(s);
        HtmlReport? report = null;
        ModelReport.Summary? summary = null;
        Glassbox.Probing.BuiltInProbeSummary? probes = null;
        ExplainCircuitsSummary? circuits = null;
        var options = new ExplainOptions
        {
            Sample = s.Text,
            Probes = !s.NoProbes,
            Circuits = !s.NoCircuits,
            Probing = new Glassbox.Probing.BuiltInProbeOptions { UseSharedData = !s.BuiltinData },
        };
        void Build(Action<string>? status) =>
            (report, summary, probes, circuits) = ExplainReport.Build(model, options, status);
        CliProgress.Run("explain", s.Json, p => Build(p.Reporter));
        var file = CliPaths.OrDefault(s.Out, "glassbox-report.html");
        report!.Save(file);
        var full = Path.GetFullPath(file);
        if (s.Json)
            CliJson.Write(
                "explain",
                model.Name,
                new
                {
                    report = full,
                    summary,
                    probes,
                    circuits,
                },
                RunManifest.For("explain", model)
            );
        else
        {
            Show.Markup(
                $"[green]Wrote[/] {full} with sections: {string.Join(", ", report.Sections.Select(x => x.Title))}."
            );
            Show.Markup(
                $"{summary!.Model}: {summary.Parameters:N0} parameters, {summary.Layers} layers x {summary.Heads} heads, {summary.HookPoints} hook points."
            );
        }
        return 0;
    }
}
