using System.ComponentModel;
using System.Globalization;
using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox xmd</c>: applies "should / should not matter" feedback to a classifier by a short fine-tune with
/// an explanation loss (Lee et al. 2022), writing the updated model to a new directory.</summary>
public sealed class XmdCommand : Command<XmdCommand.Settings>
{
    public sealed class Settings : PlacementSettings
    {
        [CommandOption("-m|--model <DIR>")]
        [Description("The classifier directory to update (it is not changed).")]
        public string? Model { get; init; }

        [CommandOption("--feedback <FILE>")]
        [Description(
            "JSON Lines, one object per line: text, label, should_matter and should_not_matter (word lists), scope (local: this example; global: every occurrence)."
        )]
        public string? Feedback { get; init; }

        [CommandOption("--data <DATA>")]
        [Description(
            "Update data in which global feedback marks every occurrence: sst2 or a TSV/JSONL file. Default sst2."
        )]
        public string Data { get; init; } = ClassifierData.Sst2;

        [CommandOption("--max-train <N>")]
        [Description("Seeded subset of the update data. Default 1000.")]
        public int MaxTrain { get; init; } = 1000;

        [CommandOption("--plant <WORD>")]
        [Description(
            "Plant WORD in the update data as 'classify train --plant' did (to reproduce a shortcut model's data)."
        )]
        public string? Plant { get; init; }

        [CommandOption("--plant-label <LABEL>")]
        [Description("The class whose texts get the planted word.")]
        public string? PlantLabel { get; init; }

        [CommandOption("--plant-rate <R>")]
        [Description("Fraction of that class's texts that get it. Default 0.9.")]
        public double PlantRate { get; init; } = 0.9;

        [CommandOption("--eval <DATA>")]
        [Description("Evaluation texts (sst2 = its dev split, or a file). Default sst2.")]
        public string Eval { get; init; } = ClassifierData.Sst2;

        [CommandOption("--max-eval <N>")]
        [Description("Seeded subset of the evaluation texts. Default 500.")]
        public int MaxEval { get; init; } = 500;

        [CommandOption("--ood <SETS>")]
        [Description(
            "Out-of-distribution sets measured before and after: kotzias (the Amazon, Yelp and IMDb sentences of ../shared/data, for negative/positive models; default when present), none, or comma-separated labelled files."
        )]
        public string? Ood { get; init; }

        [CommandOption("--er-method <M>")]
        [Description(
            "occlusion (default: deleting a should-not-matter word must not change the prediction), gradxinput, ig, saliency or attention."
        )]
        public string ErMethod { get; init; } = "occlusion";

        [CommandOption("--er-steps <N>")]
        [Description("Integrated-gradients steps of --er-method ig (1..64). Default 4.")]
        public int ErSteps { get; init; } = 4;

        [CommandOption("--er-weight <L>")]
        [Description("λ of the explanation loss. Default 1.")]
        public double ErWeight { get; init; } = 1;

        [CommandOption("--epochs <N>")]
        [Description("Passes over the update data. Default 1.")]
        public int Epochs { get; init; } = 1;

        [CommandOption("--lr <LR>")]
        [Description("Peak learning rate. Default 2e-5.")]
        public double Lr { get; init; } = 2e-5;

        [CommandOption("--max-length <N>")]
        [Description("Tokens per text. Default 64.")]
        public int MaxLength { get; init; } = 64;

        [CommandOption("--no-insert")]
        [Description(
            "Do not put global should-not-matter words into texts that lack them (only their occurrences get the loss)."
        )]
        public bool NoInsert { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Directory of the updated classifier (must differ from --model, which is kept). Default out/xmd.")]
        public string? Out { get; init; }

        [CommandOption("--resume")]
        [Description("Continue an interrupted update in --out.")]
        public bool Resume { get; init; }

        [CommandOption("-o|--output <FILE>")]
        [Description("Write the JSON result; a name ending in .html writes the HTML report.")]
        public string? Output { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        CliModel.RequireFloat32ForTraining(s, "xmd");
        if (string.IsNullOrWhiteSpace(s.Model))
            throw new InputException("-m/--model is required: a classifier directory");
        if (string.IsNullOrWhiteSpace(s.Feedback))
            throw new InputException("--feedback is required: a JSON Lines feedback file");
        if (s.MaxTrain < 1 || s.MaxEval < 1)
            throw new InputException("--max-train and --max-eval must be at least 1");
        var outDir = CliPaths.OrDefault(s.Out, "xmd");
        if (
            string.Equals(
                Path.GetFullPath(outDir).TrimEnd('/'),
                Path.GetFullPath(s.Model).TrimEnd('/'),
                StringComparison.Ordinal
            )
        )
            throw new InputException("--out must differ from --model: the model before the update is kept");
        var options = new XmdOptions
        {
            InsertGlobal = !s.NoInsert,
            Er = new ErOptions
            {
                Method = ErOptions.ParseMethod(s.ErMethod),
                Weight = s.ErWeight,
                IgSteps = s.ErSteps,
            }.Validate(),
            Train = new ClassifierTrainOptions
            {
                Epochs = s.Epochs,
                LearningRate = s.Lr,
                MaxLength = s.MaxLength,
                CheckpointEvery = 10,
            }.Validate(),
        };
        var feedback = FeedbackReader.Read(s.Feedback);
        ClassifierCheckpoint.ReadHeadConfig(s.Model);
        bool resume = s.Resume && File.Exists(Path.Combine(outDir, "trainer_state.json"));
        if (s.Resume && !resume)
            throw new InputException($"--resume: {outDir} has no trainer_state.json; there is no interrupted update");
        GlassboxRuntime.Initialize(s.Threads);
        using var classifier = ClassifierCheckpoint.Load(resume ? outDir : s.Model);
        var data = ClassifierData.Take(ClassifierData.ReadForLabels(s.Data, classifier.Labels, "train"), s.MaxTrain, 0);
        if (s.Plant is { } word)
            data = ShortcutData.Plant(
                data,
                word,
                ShortcutData.LabelIndex(
                    classifier.Labels,
                    s.PlantLabel ?? throw new InputException("--plant needs --plant-label"),
                    "--plant-label"
                ),
                s.PlantRate,
                0
            );
        var eval = ClassifierData.Take(ClassifierData.ReadForLabels(s.Eval, classifier.Labels, "dev"), s.MaxEval, 0);
        var ood = OutOfDistribution(s.Ood, classifier.Labels, s.MaxEval);
        var result = CliProgress.Run("xmd", s.Json, "steps", p =>
            XmdUpdate.Apply(
                classifier,
                feedback,
                data,
                eval,
                options,
                outDir,
                x => p.Count(x.Step, x.TotalSteps),
                resume,
                ood
            )
        );
        var manifest = RunManifest.For(
            "xmd",
            classifier.Encoder,
            0,
            new Dictionary<string, string>
            {
                ["feedback"] = s.Feedback,
                ["er_method"] = s.ErMethod,
                ["er_weight"] = s.ErWeight.ToString("R", CultureInfo.InvariantCulture),
                ["out"] = outDir,
            }
        ) with
        {
            DataDescription = data.Description,
        };
        var payload = CliJson.Envelope("xmd", classifier.Encoder.Name, result, manifest);
        string reproduce = $"glassbox xmd -m {s.Model} --feedback {s.Feedback} --out {outDir}";
        ProbeOutput.Write(payload, s.Output, s.Report, $"Glassbox XMD: {s.Model}", r =>
            XmdReport.Add(r, result, reproduce)
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        Show.Line(XmdReport.Summary(result) + $" Updated model: {outDir} (the model before it: {s.Model}).");
        var t = Show.Titled("Before and after the update", XmdReport.Header);
        foreach (var c in result.Changes)
            t.Row(XmdReport.Cells(c));
        Show.Write(t);
        foreach (var f in new[] { s.Output, s.Report }.OfType<string>())
            Show.Wrote(f);
        return 0;
    }

    private static List<LabeledTextSet> OutOfDistribution(string? spec, IReadOnlyList<string> labels, int max)
    {
        bool sentiment = labels.SequenceEqual(ClassifierData.Sst2Labels, StringComparer.Ordinal);
        if (spec is null)
            spec = sentiment && SharedData.Folder("sentiment-labelled-sentences") is not null ? "kotzias" : "none";
        if (spec == "none")
            return [];
        if (spec == "kotzias")
        {
            if (!sentiment)
                throw new InputException("--ood kotzias needs a negative/positive model; give labelled files instead");
            var dir = SharedData.Folder("sentiment-labelled-sentences")
                ?? throw new InputException("--ood kotzias: ../shared/data/sentiment-labelled-sentences is absent");
            return new[] { "amazon_cells_labelled.txt", "yelp_labelled.txt", "imdb_labelled.txt" }
                .Select(f =>
                {
                    var path = Path.Combine(dir, f);
                    var rows = SentimentSets
                        .ReadKotzias(path)
                        .Select(r => new LabeledText(r.Text, r.Label == "positive" ? 1 : 0))
                        .ToList();
                    return ClassifierData.Take(new LabeledTextSet(f.Split('_')[0], labels, rows), max, 0);
                })
                .ToList();
        }
        return spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(f => ClassifierData.Take(ClassifierData.ReadForLabels(f, labels), max, 0))
            .ToList();
    }
}
