using System.ComponentModel;
using System.Globalization;
using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox er test</c>: ER-TEST of one sentiment classifier directory.</summary>
public sealed class ErTestCommand : Command<ErTestCommand.Settings>
{
    public sealed class Settings : PlacementSettings
    {
        [CommandOption("-m|--model <DIR>")]
        [Description("A sentiment classifier directory (labels negative, positive), e.g. written by 'classify train'.")]
        public string? Model { get; init; }

        [CommandOption("--eval-max-length <N>")]
        [Description("Tokens per text (reviews are cut). Default 128.")]
        public int EvalMaxLength { get; init; } = 128;

        [CommandOption("--max-per-set <N>")]
        [Description("Rows per set (seeded subset, pairs kept whole; 0 = all). Default 500.")]
        public int MaxPerSet { get; init; } = 500;

        [CommandOption("--plausibility <N>")]
        [Description("Held-out Zaidan sentences for plausibility (0 = skip). Default 300.")]
        public int Plausibility { get; init; } = 300;

        [CommandOption("--resamples <N>")]
        [Description("Bootstrap resamples. Default 1000.")]
        public int Resamples { get; init; } = 1000;

        [CommandOption("-o|--out <FILE>")]
        [Description("Write the JSON result (the --json envelope); a name ending in .html writes the HTML report.")]
        public string? Out { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Model))
            throw new InputException("-m/--model is required: a classifier directory");
        var options = ErCli.TestOptions(s.EvalMaxLength, s.MaxPerSet, s.Plausibility, s.Resamples);
        ClassifierCheckpoint.ReadHeadConfig(s.Model);
        GlassboxRuntime.Initialize(s.Threads);
        using var classifier = CliModel.Classifier(s, s.Model);
        var missing = new List<string>();
        var sets = ErTestSets.Build(options.MaxPerSet, options.Seed, missing);
        var plaus = ErData.PlausibilitySample(options, m => missing.Add("plausibility (" + m + ")"));
        var result = CliProgress.Run("er test", s.Json, "texts", p =>
            ErEvaluation.Evaluate(
                classifier,
                s.Model,
                sets,
                plaus,
                missing,
                options with
                {
                    Progress = (d, t) => p.Count((int)d, (int)t),
                }
            )
        );
        var manifest = RunManifest.For(
            "er test",
            classifier.Encoder,
            0,
            new Dictionary<string, string>
            {
                ["max_per_set"] = s.MaxPerSet.ToString(CultureInfo.InvariantCulture),
                ["eval_max_length"] = s.EvalMaxLength.ToString(CultureInfo.InvariantCulture),
            }
        );
        var payload = CliJson.Envelope("er test", classifier.Encoder.Name, result, manifest);
        string reproduce = $"glassbox er test -m {s.Model}";
        ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox ER-TEST: {s.Model}", r =>
            ErReport.Add(r, result, reproduce)
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        var t = Show.Titled($"ER-TEST of {s.Model}", ErReport.TestHeader);
        foreach (var x in result.Sets)
            t.Row(ErReport.Cells(x));
        Show.Write(t);
        foreach (var p in result.Plausibility)
            Show.Line(ErReport.Line(p));
        if (result.Missing.Count > 0)
            Show.Line($"Skipped (files absent): {string.Join(", ", result.Missing)}");
        foreach (var f in new[] { s.Out, s.Report }.OfType<string>())
            Show.Wrote(f);
        return 0;
    }
}
