using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe cloze</c>: LAMA-style factual probing (precision@1/5/10 per relation).</summary>
public sealed class ProbeClozeCommand : Command<ProbeClozeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--facts <PATH>")]
        [Description(
            "Facts: a LAMA folder or LAMA facts file/folder as distributed (e.g. ../shared/data/lama or lama/TREx/P20.jsonl; "
                + "templates from relations.jsonl beside or above), or .jsonl lines with relation, subject, object, template ([[X]] subject, [[Y]] object)."
        )]
        public string? Facts { get; init; }

        [CommandOption("--lama <DIR>")]
        [Description(
            "A LAMA data folder as distributed (relations.jsonl plus TREx/ and Google_RE/ facts), e.g. ../shared/data/lama. "
                + "Example: glassbox probe cloze -m stories260k --lama ../shared/data/lama --limit 20"
        )]
        public string? Lama { get; init; }

        [CommandOption("--paraphrases <FILE>")]
        [Description("Optional .jsonl with relation and template keys: paraphrased templates for prompt sensitivity.")]
        public string? Paraphrases { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most N facts per relation (the first ones).")]
        public int? Limit { get; init; }

        [CommandOption("--batch-size <B>")]
        [Description("Sequences per forward pass. Default 16.")]
        public int BatchSize { get; init; } = 16;

        [CommandOption("--seed <S>")]
        [Description("Bootstrap seed. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report with the P@k tables.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if ((s.Facts is null) == (s.Lama is null))
            throw new InputException("give either --lama DIR (e.g. ../shared/data/lama) or --facts FILE.jsonl");
        if (s.BatchSize < 1)
            throw new InputException("--batch-size must be at least 1");
        var source = ProbeJsonl.Facts(s.Lama ?? s.Facts!, s.Lama is null ? "--facts" : "--lama");
        var facts = source.Facts;
        var files = source.Files.ToList();
        IReadOnlyDictionary<string, IReadOnlyList<string>>? para = null;
        if (s.Paraphrases is not null)
        {
            para = ProbeJsonl.Paraphrases(s.Paraphrases);
            files.AddRange(ProbeJsonl.Files(s.Paraphrases, "--paraphrases"));
        }
        using var model = CliModel.Load(s);
        var options = new ClozeOptions
        {
            BatchSize = s.BatchSize,
            Seed = s.Seed,
            LimitPerRelation = s.Limit,
            Paraphrases = para,
        };
        var result = CliProgress.Run("probe cloze", s.Json, "facts", p =>
            ClozeProber.Evaluate(model, facts, options with { Progress = p.Counter })
        );
        var manifest = RunManifest.For(
            "probe cloze",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["limit"] = s.Limit?.ToString(CultureInfo.InvariantCulture) ?? "none",
                ["batchSize"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["resamples"] = options.Resamples.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = ProbeJsonl.Hashes(files),
        };
        if (s.Report is not null)
            ParameterFreeReport.AddCloze(new HtmlReport($"Cloze facts: {model.Name}"), result).Save(s.Report);
        if (s.Json)
        {
            CliJson.Write("probe cloze", model.Name, result, manifest);
            return 0;
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
        if (s.Report is not null)
            Show.Wrote(s.Report);
        return 0;
    }
}
