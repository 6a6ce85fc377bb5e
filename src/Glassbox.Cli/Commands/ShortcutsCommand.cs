using System.ComponentModel;
using System.Globalization;
using Glassbox.Attribution;
using Glassbox.Classification;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox shortcuts</c>: the tokens a classifier relies on regardless of context, mined from attributions
/// over a data set (Du et al. 2021), and the counter-set check of a suspected trigger.</summary>
public sealed class ShortcutsCommand : Command<ShortcutsCommand.Settings>
{
    public sealed class Settings : PlacementSettings
    {
        [CommandOption("-m|--model <DIR>")]
        [Description("A classifier directory (BertForSequenceClassification), e.g. written by 'classify train'.")]
        public string? Model { get; init; }

        [CommandOption("--data <DATA>")]
        [Description("sst2 or a TSV/JSONL file labelled with the classifier's classes. Default sst2.")]
        public string Data { get; init; } = ClassifierData.Sst2;

        [CommandOption("--split <SPLIT>")]
        [Description("For sst2: train or dev (default). Shortcuts live in the training data.")]
        public string Split { get; init; } = "dev";

        [CommandOption("--max-texts <N>")]
        [Description("Mine a seeded random subset of N texts. Default 500.")]
        public int MaxTexts { get; init; } = 500;

        [CommandOption("--method <METHOD>")]
        [Description("ig (integrated gradients, default) or gradxinput (faster, but near 0 after a LayerNorm).")]
        public string Method { get; init; } = "ig";

        [CommandOption("--steps <N>")]
        [Description("Integrated-gradients steps. Default 16.")]
        public int Steps { get; init; } = 16;

        [CommandOption("--min-count <N>")]
        [Description("Rank only tokens seen at least N times. Default 5.")]
        public int MinCount { get; init; } = 5;

        [CommandOption("--top <N>")]
        [Description("Tokens listed. Default 20.")]
        public int Top { get; init; } = 20;

        [CommandOption("--max-length <N>")]
        [Description("Tokens per text. Default 64.")]
        public int MaxLength { get; init; } = 64;

        [CommandOption("--trigger <WORD>")]
        [Description(
            "A suspected trigger: report its rank and the counter-set check (it put on every other-class text)."
        )]
        public string? Trigger { get; init; }

        [CommandOption("--trigger-label <LABEL>")]
        [Description("The class the trigger is suspected to push towards (name or index).")]
        public string? TriggerLabel { get; init; }

        [CommandOption("--plant-rate <R>")]
        [Description(
            "Also plant the trigger in the mined texts, first in this fraction of the --trigger-label texts, as 'classify train --plant' did. Default 0: mine the texts as they are."
        )]
        public double PlantRate { get; init; }

        [CommandOption("--resamples <N>")]
        [Description("Bootstrap resamples of each token's mean attribution. Default 1000.")]
        public int Resamples { get; init; } = 1000;

        [CommandOption("--seed <S>")]
        [Description("Seed of the subset, the planting and the bootstraps. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("-o|--out <FILE>")]
        [Description(
            "Write the JSON result (the --json envelope); a name ending in .html writes the HTML report instead."
        )]
        public string? Out { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report (tokens with intervals, the table, the counter-set check).")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Model))
            throw new InputException("-m/--model is required: a classifier directory");
        if (s.MaxTexts < 1)
            throw new InputException("--max-texts must be at least 1");
        if (s.Split is not ("train" or "dev"))
            throw new InputException($"--split must be train or dev, got '{s.Split}'");
        if ((s.Trigger is null) != (s.TriggerLabel is null))
            throw new InputException("--trigger and --trigger-label go together");
        if (s.PlantRate != 0 && s.Trigger is null)
            throw new InputException("--plant-rate needs --trigger and --trigger-label");
        var method = s.Method switch
        {
            "ig" => ShortcutMethod.IntegratedGradients,
            "gradxinput" => ShortcutMethod.GradientTimesInput,
            _ => throw new InputException($"--method must be ig or gradxinput, got '{s.Method}'"),
        };
        ClassifierCheckpoint.ReadHeadConfig(s.Model);
        GlassboxRuntime.Initialize(s.Threads);
        using var classifier = CliModel.Classifier(s, s.Model);
        var data = ClassifierData.Take(
            ClassifierData.ReadForLabels(s.Data, classifier.Labels, s.Split),
            s.MaxTexts,
            s.Seed
        );
        (string, int)? trigger = null;
        if (s.Trigger is { } word)
        {
            int label = ShortcutData.LabelIndex(classifier.Labels, s.TriggerLabel!, "--trigger-label");
            trigger = (word, label);
            if (s.PlantRate != 0)
                data = ShortcutData.Plant(data, word, label, s.PlantRate, s.Seed);
        }
        var options = new ShortcutOptions
        {
            Method = method,
            Steps = s.Steps,
            MinCount = s.MinCount,
            Top = s.Top,
            MaxLength = s.MaxLength,
            Resamples = s.Resamples,
            Seed = s.Seed,
        };
        var result = CliProgress.Run("shortcuts", s.Json, "texts", p =>
            ShortcutMiner.Mine(classifier, data, options with { Progress = p.Counter }, trigger)
        );
        var manifest = RunManifest.For(
            "shortcuts",
            classifier.Encoder,
            s.Seed,
            new Dictionary<string, string>
            {
                ["method"] = s.Method,
                ["max_texts"] = s.MaxTexts.ToString(CultureInfo.InvariantCulture),
                ["min_count"] = s.MinCount.ToString(CultureInfo.InvariantCulture),
                ["trigger"] = s.Trigger ?? "",
            }
        ) with
        {
            DataDescription = data.Description,
        };
        var payload = CliJson.Envelope("shortcuts", classifier.Encoder.Name, result, manifest);
        string reproduce = string.Create(
            CultureInfo.InvariantCulture,
            $"glassbox shortcuts -m {s.Model} --data {s.Data} --split {s.Split} --max-texts {s.MaxTexts}"
        );
        ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox shortcuts: {classifier.Encoder.Name}", r =>
            ShortcutReport.Add(r, result, reproduce)
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        Print(result);
        foreach (var f in new[] { s.Out, s.Report }.OfType<string>())
            Show.Wrote(f);
        return 0;
    }

    private static void Print(ShortcutResult r)
    {
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Texts} texts ({r.Data}); {r.Method} attributions of the {r.Target}; {r.Ranked} of {r.DistinctTokens} token types seen often enough to rank; mean relative completeness error {r.MeanRelativeCompletenessError:F3}"
            )
        );
        var t = Show.Titled(
            "Tokens the model relies on (mean attribution per occurrence towards the gold class)",
            ShortcutReport.Header
        );
        foreach (var x in r.Tokens)
            t.Row(ShortcutReport.Cells(x));
        Show.Write(t);
        if (r.Counter is { } c)
            Show.Line(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Trigger '{c.Trigger}': rank {(r.TriggerRank is int k ? k.ToString(CultureInfo.InvariantCulture) : "not ranked")}. Counter-set ({c.With.Count} texts not labelled '{c.TriggerLabel}'): accuracy {c.Without.Accuracy} without the trigger, {c.With.Accuracy} with it; {c.ToTriggerLabel:P1} of them predicted '{c.TriggerLabel}'."
                )
            );
    }
}
