using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe minimal-pairs</c>: accuracy of a language model on minimal pairs (BLiMP, syneval, own pairs).</summary>
public sealed class ProbeMinimalPairsCommand : Command<ProbeMinimalPairsCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--blimp <DIR_OR_FILE>")]
        [Description("BLiMP .jsonl file or directory (sentence_good, sentence_bad, UID, linguistics_term).")]
        public string? Blimp { get; init; }

        [CommandOption("--syneval <DIR_OR_FILE>")]
        [Description("Marvin & Linzen syneval .jsonl file or directory (grammatical, ungrammatical, case).")]
        public string? SynEval { get; init; }

        [CommandOption("--pairs <FILE>")]
        [Description("Own pairs: .jsonl with good, bad, phenomenon (and optional group).")]
        public string? Pairs { get; init; }

        [CommandOption("--limit <N>")]
        [Description("At most N pairs per phenomenon (the first ones).")]
        public int? Limit { get; init; }

        [CommandOption("--batch-size <B>")]
        [Description("Sentences per forward pass. Default 64 for causal models, 16 for masked ones.")]
        public int? BatchSize { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Bootstrap seed. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report with the per-phenomenon chart.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Blimp is null && s.SynEval is null && s.Pairs is null)
            throw new InputException("give --blimp, --syneval or --pairs");
        if (s.BatchSize is < 1)
            throw new InputException("--batch-size must be at least 1");
        var pairs = new List<MinimalPair>();
        var files = new List<string>();
        if (s.Blimp is not null)
        {
            pairs.AddRange(Glassbox.Data.MinimalPairReader.ReadBlimp(s.Blimp));
            files.AddRange(ProbeJsonl.Files(s.Blimp, "--blimp"));
        }
        if (s.SynEval is not null)
        {
            pairs.AddRange(Glassbox.Data.MinimalPairReader.ReadSyntaxEval(s.SynEval));
            files.AddRange(ProbeJsonl.Files(s.SynEval, "--syneval"));
        }
        if (s.Pairs is not null)
        {
            pairs.AddRange(ProbeJsonl.Pairs(s.Pairs));
            files.AddRange(ProbeJsonl.Files(s.Pairs, "--pairs"));
        }
        using var model = CliModel.Load(s);
        var options = new MinimalPairOptions
        {
            BatchSize = s.BatchSize,
            Seed = s.Seed,
            LimitPerPhenomenon = s.Limit,
        };
        var result = CliProgress.Run("probe minimal-pairs", s.Json, "sentences", p =>
            MinimalPairScorer.Evaluate(model, pairs, options with { Progress = p.Counter })
        );
        var manifest = RunManifest.For(
            "probe minimal-pairs",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["limit"] = s.Limit?.ToString(CultureInfo.InvariantCulture) ?? "none",
                ["batchSize"] = (s.BatchSize ?? MinimalPairScorer.DefaultBatchSize(model)).ToString(
                    CultureInfo.InvariantCulture
                ),
                ["resamples"] = options.Resamples.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = ProbeJsonl.Hashes(files),
        };
        if (s.Report is not null)
        {
            var report = new HtmlReport($"Minimal pairs: {model.Name}");
            ParameterFreeReport.AddMinimalPairs(report, result).Save(s.Report);
        }
        if (s.Json)
        {
            CliJson.Write("probe minimal-pairs", model.Name, result, manifest);
            return 0;
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
            $"{model.Name} ({result.Method}): {result.Count} pairs, chance {result.Chance:P0}; ties count as wrong."
        );
        if (s.Report is not null)
            Show.Wrote(s.Report);
        return 0;
    }
}
