using System.ComponentModel;
using System.Globalization;
using Glassbox.Explain;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console.Cli;
using Spectre.Console;

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
        [Description("Skip the probing sections (UPOS on UD EWT or generated sentences, sentence/structural probes, attention heads with rollout and head ablations, coreference, minimal pairs for causal LMs).")]
        public bool NoProbes { get; init; }

        [CommandOption("--no-circuits")]
        [Description("Skip the circuits sections (head detectors; for causal LMs also the logit lens and activation patching).")]
        public bool NoCircuits { get; init; }

        [CommandOption("--builtin-data")]
        [Description("Use only generated data, even when ../shared/data (UD EWT, BLiMP) is present.")]
        public bool BuiltinData { get; init; }

        [CommandOption("-o|--out <FILE>")]
        [Description("Report file. Default glassbox-report.html.")]
        public string Out { get; init; } = "glassbox-report.html";
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
            Sample = s.Text, Probes = !s.NoProbes, Circuits = !s.NoCircuits,
            Probing = new Glassbox.Probing.BuiltInProbeOptions { UseSharedData = !s.BuiltinData },
        };
        void Build(Action<string>? status) => (report, summary, probes, circuits) = ExplainReport.Build(model, options, status);
        if (s.Json || Console.IsOutputRedirected) Build(null);
        else AnsiConsole.Status().Start("Building the report...", ctx => Build(m => ctx.Status(Markup.Escape(m))));
        report!.Save(s.Out);
        var full = Path.GetFullPath(s.Out);
        if (s.Json) Console.WriteLine(ResultJson.Serialize(new { manifest = RunManifest.For("explain", model), report = full, summary, probes, circuits }));
        else
        {
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(full)} with sections: {Markup.Escape(string.Join(", ", report.Sections.Select(x => x.Title)))}.");
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"{Markup.Escape(summary!.Model)}: {summary.Parameters:N0} parameters, {summary.Layers} layers x {summary.Heads} heads, {summary.HookPoints} hook points."));
        }
        return 0;
    }
}
