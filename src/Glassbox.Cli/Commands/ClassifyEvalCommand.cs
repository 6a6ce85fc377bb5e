using System.ComponentModel;
using System.Globalization;
using Glassbox.Classification;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox classify eval</c>: accuracy of a classifier directory on labelled data, with a bootstrap
/// interval, per-class counts and the majority-class baseline.</summary>
public sealed class ClassifyEvalCommand : Command<ClassifyEvalCommand.Settings>
{
    public sealed class Settings : PlacementSettings
    {
        [CommandOption("-m|--model <DIR>")]
        [Description("A classifier directory (BertForSequenceClassification), e.g. written by 'classify train'.")]
        public string? Model { get; init; }

        [CommandOption("--data <DATA>")]
        [Description(
            "sst2 (its dev split) or a TSV/JSONL file whose labels are the classifier's names or class indices. Default sst2."
        )]
        public string Data { get; init; } = ClassifierData.Sst2;

        [CommandOption("--batch <B>")]
        [Description("Texts per forward. Default 64.")]
        public int Batch { get; init; } = 64;

        [CommandOption("--max-length <N>")]
        [Description("Tokens per text. Default 128.")]
        public int MaxLength { get; init; } = 128;

        [CommandOption("--seed <S>")]
        [Description("Seed of the bootstrap interval. Default 0.")]
        public int Seed { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Model))
            throw new InputException("-m/--model is required: a classifier directory");
        if (s.MaxLength < 2)
            throw new InputException("--max-length must be at least 2");
        ClassifierCheckpoint.ReadHeadConfig(s.Model);
        GlassboxRuntime.Initialize(s.Threads);
        using var classifier = CliModel.Classifier(s, s.Model);
        var data = ClassifierData.ReadForLabels(s.Data, classifier.Labels);
        var eval = CliProgress.Run("classify eval", s.Json, "texts", r =>
            ClassifierEvaluation.Evaluate(classifier, data, s.Batch, s.MaxLength, s.Seed, (done, total) =>
                r.Count(done, total)
            )
        );
        if (s.Json)
        {
            var manifest = RunManifest.For("classify eval", classifier.Encoder, s.Seed) with
            {
                Data = new Dictionary<string, string> { ["data"] = data.Description },
            };
            CliJson.Write("classify eval", classifier.Encoder.Name, Summary(eval), manifest);
            return 0;
        }
        var t = Show.Table("", "value");
        t.Row("classifier", classifier.Encoder.Name);
        t.Row("data", eval.Data);
        t.Row("texts", eval.Count.ToString(CultureInfo.InvariantCulture));
        t.Row("accuracy (95% CI)", AccuracyText(eval));
        t.Row(
            "majority baseline",
            string.Create(CultureInfo.InvariantCulture, $"{eval.MajorityBaseline:F3} (always {eval.MajorityLabel})")
        );
        t.Row("time", string.Create(CultureInfo.InvariantCulture, $"{eval.Seconds:F1} s"));
        Show.Write(t);
        var c = Show.Table("class", "support", "predicted", "correct", "recall");
        foreach (var k in eval.Classes)
            c.Row(
                k.Label,
                k.Support.ToString(CultureInfo.InvariantCulture),
                k.Predicted.ToString(CultureInfo.InvariantCulture),
                k.Correct.ToString(CultureInfo.InvariantCulture),
                k.Recall is double r ? r.ToString("F3", CultureInfo.InvariantCulture) : "-"
            );
        Show.Write(c);
        return 0;
    }

    /// <summary>"0.871 [0.848, 0.893]".</summary>
    internal static string AccuracyText(ClassifierEvalResult e) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{e.Accuracy.Value:F3} [{e.Accuracy.Lower:F3}, {e.Accuracy.Upper:F3}]"
        );

    /// <summary>The JSON result (predictions left out).</summary>
    internal static object Summary(ClassifierEvalResult e) =>
        new
        {
            data = e.Data,
            count = e.Count,
            accuracy = e.Accuracy,
            majorityLabel = e.MajorityLabel,
            majorityBaseline = e.MajorityBaseline,
            classes = e.Classes,
            seconds = e.Seconds,
        };
}
