using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Reports;
using Spectre.Console.Cli;
using Spectre.Console;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe cloze</c>: LAMA-style factual probing (precision@1/5/10 per relation).</summary>
public sealed class ProbeClozeCommand : Command<ProbeClozeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--facts <FILE>")]
        [Description("Facts: .jsonl file or directory with relation, subject, object, template ([[X]] subject, [[Y]] object).")]
        public string? Facts { get; init; }

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
        if (s.Facts is null) throw new InputException("give --facts FILE.jsonl");
        if (s.BatchSize < 1) throw new InputException("--batch-size must be at least 1");
        var facts = ProbeJsonl.Facts(s.Facts);
        var files = ProbeJsonl.Files(s.Facts, "--facts").ToList();
        IReadOnlyDictionary<string, IReadOnlyList<string>>? para = null;
        if (s.Paraphrases is not null) { para = ProbeJsonl.Paraphrases(s.Paraphrases); files.AddRange(ProbeJsonl.Files(s.Paraphrases, "--paraphrases")); }
        using var model = CliModel.Load(s);
        var options = new ClozeOptions { BatchSize = s.BatchSize, Seed = s.Seed, LimitPerRelation = s.Limit, Paraphrases = para };
        var result = CliProgress.Run("probe cloze", s.Json, "facts", p => ClozeProber.Evaluate(model, facts, options with { Progress = p.Counter }));
        var manifest = RunManifest.For("probe cloze", model, s.Seed, new Dictionary<string, string>
        {
            ["limit"] = s.Limit?.ToString(CultureInfo.InvariantCulture) ?? "none", ["batchSize"] = s.BatchSize.ToString(CultureInfo.InvariantCulture), ["resamples"] = options.Resamples.ToString(CultureInfo.InvariantCulture),
        }) with { Data = ProbeJsonl.Hashes(files) };
        if (s.Report is not null) ParameterFreeReport.AddCloze(new HtmlReport($"Cloze facts: {model.Name}"), result).Save(s.Report);
        if (s.Json) { Console.WriteLine(ResultJson.Serialize(new { manifest, result })); return 0; }
        var t = Show.Table("relation", "mode", "facts", "P@1 [95%]", "P@5 [95%]", "P@10 [95%]");
        foreach (var r in result.Relations.Append(result.Overall))
            t.Row(r.Relation, r.Mode.ToString().ToLowerInvariant(), r.Count.ToString(CultureInfo.InvariantCulture),
                ParameterFreeReport.Pct(r.P1), ParameterFreeReport.Pct(r.P5), ParameterFreeReport.Pct(r.P10));
        Show.Write(t);
        foreach (var ps in result.Sensitivity)
            Show.Markup($"{ps.Relation}: P@1 over {ps.Templates.Count} templates spread {ps.Spread:F3}, std {ps.Std:F3}");
        if (s.Report is not null) Show.Wrote(s.Report);
        return 0;
    }
}
