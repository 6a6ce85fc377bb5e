using System.ComponentModel;
using System.Globalization;
using Glassbox.Classification;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox classify train</c>: fine-tunes a BERT-family encoder (default MiniLM) with a
/// sequence-classification head and saves it as a Hugging Face classifier directory; resumable.</summary>
public sealed class ClassifyTrainCommand : Command<ClassifyTrainCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--data <DATA>")]
        [Description(
            "Training data: sst2 (../shared/data/sst2/train.tsv) or a TSV (sentence, label) / JSONL (text, label) file. Default sst2."
        )]
        public string Data { get; init; } = ClassifierData.Sst2;

        [CommandOption("--dev <DATA>")]
        [Description(
            "Data evaluated after training (sst2 for its dev split, a file, or none). Default: sst2 dev when --data is sst2, else none."
        )]
        public string? Dev { get; init; }

        [CommandOption("--pooling <P>")]
        [Description(
            "cls (pooler on [[CLS]], as BertForSequenceClassification) or mean (masked mean of tokens). Default cls."
        )]
        public string Pooling { get; init; } = "cls";

        [CommandOption("--freeze-encoder")]
        [Description("Train only the head; the encoder stays as loaded.")]
        public bool FreezeEncoder { get; init; }

        [CommandOption("--epochs <N>")]
        [Description("Passes over the training data. Default 1.")]
        public int Epochs { get; init; } = 1;

        [CommandOption("--max-train <N>")]
        [Description("Train on a seeded random subset of N texts. Default: all.")]
        public int? MaxTrain { get; init; }

        [CommandOption("--plant <WORD>")]
        [Description(
            "Plant a shortcut: put WORD first in a seeded --plant-rate of the --plant-label texts (for shortcut-mining experiments)."
        )]
        public string? Plant { get; init; }

        [CommandOption("--plant-label <LABEL>")]
        [Description("The class whose texts get the planted word (name or index).")]
        public string? PlantLabel { get; init; }

        [CommandOption("--plant-rate <R>")]
        [Description("Fraction of that class's texts that get it. Default 0.9.")]
        public double PlantRate { get; init; } = 0.9;

        [CommandOption("--lr <LR>")]
        [Description(
            "Peak learning rate (AdamW, 10% warm-up, cosine decay). Default 5e-5, or 1e-3 with --freeze-encoder."
        )]
        public double? Lr { get; init; }

        [CommandOption("--batch <B>")]
        [Description("Texts per step. Default 32.")]
        public int Batch { get; init; } = 32;

        [CommandOption("--max-length <N>")]
        [Description("Tokens per text, [[CLS]] and [[SEP]] included. Default 64.")]
        public int MaxLength { get; init; } = 64;

        [CommandOption("--seed <S>")]
        [Description("Seed of the head, the subset, the data order and dropout. Default 0.")]
        public long Seed { get; init; }

        [CommandOption("--checkpoint-every <N>")]
        [Description("Rewrite the output directory (model + optimiser state) every N steps, for --resume. Default 50.")]
        public int CheckpointEvery { get; init; } = 50;

        [CommandOption("--out <DIR>")]
        [Description(
            "Output classifier directory (Hugging Face BertForSequenceClassification). Default out/classifier."
        )]
        public string? Out { get; init; }

        [CommandOption("--resume")]
        [Description("Continue the interrupted run in --out (same options and data) from its last checkpoint.")]
        public bool Resume { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        CliModel.RequireFloat32ForTraining(s, "classify train");
        var pooling = SequenceClassifier.ParsePooling(s.Pooling);
        var options = new ClassifierTrainOptions
        {
            FreezeEncoder = s.FreezeEncoder,
            Epochs = s.Epochs,
            LearningRate = s.Lr ?? (s.FreezeEncoder ? 1e-3 : 5e-5),
            BatchSize = s.Batch,
            MaxLength = s.MaxLength,
            Seed = s.Seed,
            CheckpointEvery = s.CheckpointEvery,
        }.Validate();
        var data = ClassifierData.ReadForTraining(s.Data);
        if (s.MaxTrain is int max)
            data = ClassifierData.Take(data, max, s.Seed);
        if (s.Plant is { } word)
            data = ShortcutData.Plant(
                data,
                word,
                ShortcutData.LabelIndex(
                    data.Labels,
                    s.PlantLabel ?? throw new InputException("--plant needs --plant-label"),
                    "--plant-label"
                ),
                s.PlantRate,
                s.Seed
            );
        else if (s.PlantLabel is not null)
            throw new InputException("--plant-label goes with --plant");
        string? devSpec = s.Dev
            ?? (s.Data.Equals(ClassifierData.Sst2, StringComparison.OrdinalIgnoreCase) ? ClassifierData.Sst2 : null);
        if (devSpec is not null && devSpec.Equals("none", StringComparison.OrdinalIgnoreCase))
            devSpec = null;
        var dev = devSpec is null ? null : ClassifierData.ReadForLabels(devSpec, data.Labels);
        var outDir = CliPaths.OrDefault(s.Out, "classifier");
        bool resume = s.Resume && File.Exists(Path.Combine(outDir, "trainer_state.json"));
        if (s.Resume && !resume)
            throw new InputException(
                $"--resume: {outDir} has no trainer_state.json; there is no interrupted run to resume"
            );
        using var classifier = resume
            ? ClassifierCheckpoint.Load(outDir)
            : SequenceClassifier.Create(CliModel.Load(s), data.Labels, pooling, s.Seed);
        if (resume)
            GlassboxRuntime.Initialize(s.Threads);
        if (classifier.Pooling != pooling)
            throw new InputException(
                $"--resume: the run in {outDir} pools with {SequenceClassifier.PoolingName(classifier.Pooling)}, not {s.Pooling}"
            );
        var result = CliProgress.Run("classify train", s.Json, "steps", r => ClassifierTrainer.Train(
                classifier,
                data,
                options,
                outDir,
                p =>
                {
                    if (p.Step % 5 == 0 || p.Step == p.TotalSteps)
                        r.Status(string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}, loss {p.Loss:F3}"));
                    r.Count(p.Step, p.TotalSteps);
                },
                resume,
                cancellationToken
            ));
        ClassifierEvalResult? eval = dev is null
            ? null
            : CliProgress.Run("classify eval", s.Json, "texts", r =>
                ClassifierEvaluation.Evaluate(classifier, dev, 64, options.MaxLength, 0, (done, total) =>
                    r.Count(done, total)
                )
            );
        var manifest = RunManifest.For("classify train", classifier.Encoder, s.Seed, options.Describe()) with
        {
            Data = new Dictionary<string, string>
            {
                ["train"] = data.Description,
                ["dev"] = dev?.Description ?? "none",
            },
        };
        if (s.Json)
        {
            CliJson.Write(
                "classify train",
                classifier.Encoder.Name,
                Summary(classifier, data, result, eval, outDir),
                manifest
            );
            return 0;
        }
        var t = Show.Table("", "value");
        t.Row("data", data.Description);
        t.Row("labels", string.Join(", ", classifier.Labels));
        t.Row("pooling", SequenceClassifier.PoolingName(classifier.Pooling));
        t.Row("trained", options.FreezeEncoder ? "head only (encoder frozen)" : "encoder and head");
        t.Row("trainable parameters", result.TrainableParameters.ToString("N0", CultureInfo.InvariantCulture));
        t.Row(
            "steps",
            string.Create(CultureInfo.InvariantCulture, $"{result.Steps} (resumed from {result.ResumedFromStep})")
        );
        if (result.Losses.Count > 0)
            t.Row(
                "loss, first / last 10 steps",
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{result.Losses.Take(10).Average():F3} / {result.Losses.TakeLast(10).Average():F3}"
                )
            );
        t.Row(
            "time",
            string.Create(
                CultureInfo.InvariantCulture,
                $"{result.Seconds:F1} s ({result.ExamplesPerSecond:F1} texts/s)"
            )
        );
        if (eval is not null)
        {
            t.Row("dev", eval.Data);
            t.Row("dev accuracy (95% CI)", ClassifyEvalCommand.AccuracyText(eval));
            t.Row(
                "majority baseline",
                string.Create(CultureInfo.InvariantCulture, $"{eval.MajorityBaseline:F3} ({eval.MajorityLabel})")
            );
        }
        Show.Write(t);
        Show.Wrote(outDir, " (Hugging Face BertForSequenceClassification directory)");
        return 0;
    }

    private static object Summary(
        SequenceClassifier c,
        LabeledTextSet data,
        ClassifierTrainResult r,
        ClassifierEvalResult? eval,
        string outDir
    ) =>
        new
        {
            data = data.Description,
            examples = r.Examples,
            labels = c.Labels,
            pooling = SequenceClassifier.PoolingName(c.Pooling),
            freezeEncoder = r.Options.FreezeEncoder,
            trainableParameters = r.TrainableParameters,
            steps = r.Steps,
            resumedFromStep = r.ResumedFromStep,
            losses = r.Losses,
            seconds = r.Seconds,
            examplesPerSecond = r.ExamplesPerSecond,
            dev = eval is null ? null : ClassifyEvalCommand.Summary(eval),
            output = Path.GetFullPath(outDir),
        };
}
