using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Reports;

namespace Glassbox.Explain;

/// <summary>Options of <see cref="ExplainReport.Build"/>.</summary>
public sealed record ExplainOptions
{
    /// <summary>Sample sentence for the attention pictures.</summary>
    public string Sample { get; init; } = ModelReport.DefaultSample;

    /// <summary>Run the probing sections.</summary>
    public bool Probes { get; init; } = true;

    /// <summary>Run the circuits sections.</summary>
    public bool Circuits { get; init; } = true;

    /// <summary>Data and sizes of the probing sections.</summary>
    public BuiltInProbeOptions Probing { get; init; } = new();
}

/// <summary>The whole <c>explain</c> report: the model sections, the probing sections and the circuits sections, or a
/// section saying which part was skipped and the command that adds it.</summary>
public static class ExplainReport
{
    /// <summary>Builds the report.</summary>
    public static (
        HtmlReport Report,
        ModelReport.Summary Summary,
        BuiltInProbeSummary? Probes,
        ExplainCircuitsSummary? Circuits
    ) Build(HookedTransformer model, ExplainOptions options, Action<string>? status = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (report, summary) = ModelReport.Build(model, options.Sample);
        string m = model.CliArgument();
        BuiltInProbeSummary? probes = null;
        ExplainCircuitsSummary? circuits = null;
        if (options.Probes)
            probes = BuiltInProbes.AddTo(report, model, options.Probing, status);
        else
            report.Add(
                "probing",
                "Probing (skipped)",
                HtmlReport.Paragraph(
                    "Skipped by --no-probes: the probing sections (UPOS, sentence and structural probes, attention heads with rollout and head ablations, coreference, minimal pairs). They are added by:"
                ) + ModelReport.Reproduce($"explain -m {m} --out report.html")
            );
        if (options.Circuits)
            circuits = ExplainCircuits.AddTo(report, model, options.Sample, status);
        else
            report.Add(
                "circuits",
                "Circuits (skipped)",
                HtmlReport.Paragraph(
                    "Skipped by --no-circuits: head detectors"
                        + (model.Config.Causal ? ", the logit lens and activation patching" : "")
                        + ". They are added by:"
                ) + ModelReport.Reproduce($"explain -m {m} --out report.html")
            );
        return (report, summary, probes, circuits);
    }
}
