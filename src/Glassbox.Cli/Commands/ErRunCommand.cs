using System.ComponentModel;
using System.Globalization;
using Glassbox.Attribution.Regularisation;
using Glassbox.Classification;
using Glassbox.Data;
using Glassbox.Models;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox er run</c>: trains a classifier with and without explanation regularisation for several seeds
/// and compares them under ER-TEST (Joshi et al. 2022); resumable.</summary>
public sealed class ErRunCommand : Command<ErRunCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--data <DATA>")]
        [Description(
            "sst2 (SST-2 train) or a TSV/JSONL file with negative/positive labels, both with rationales from the opinion lexicon; or zaidan (sentences of Zaidan et al.'s reviews 000-799 with the annotators' rationales). Default sst2."
        )]
        public string Data { get; init; } = "sst2";

        [CommandOption("--lexicon <DIR>")]
        [Description(
            "Folder with positive-words.txt and negative-words.txt for lexicon rationales. Default: ../shared/data/opinion-lexicon-hu-liu."
        )]
        public string? Lexicon { get; init; }

        [CommandOption("--max-train <N>")]
        [Description("Train on a seeded subset of N texts. Default 2000.")]
        public int MaxTrain { get; init; } = 2000;

        [CommandOption("--seeds <LIST>")]
        [Description("Comma-separated training seeds. Default 0,1,2.")]
        public string Seeds { get; init; } = "0,1,2";

        [CommandOption("--er-method <M>")]
        [Description(
            "The explanation aligned with the rationales: gradxinput (default; double backward), ig, saliency, occlusion or attention."
        )]
        public string ErMethod { get; init; } = "gradxinput";

        [CommandOption("--er-steps <N>")]
        [Description("Integrated-gradients steps of --er-method ig (1..64). Default 4.")]
        public int ErSteps { get; init; } = 4;

        [CommandOption("--er-weight <L>")]
        [Description("λ, the weight of the explanation loss. Default 1.")]
        public double ErWeight { get; init; } = 1.0;

        [CommandOption("--pooling <P>")]
        [Description("cls or mean (default).")]
        public string Pooling { get; init; } = "mean";

        [CommandOption("--epochs <N>")]
        [Description("Passes over the training data. Default 1.")]
        public int Epochs { get; init; } = 1;

        [CommandOption("--lr <LR>")]
        [Description("Peak learning rate. Default 1e-4.")]
        public double Lr { get; init; } = 1e-4;

        [CommandOption("--batch <B>")]
        [Description("Texts per step. Default 32.")]
        public int Batch { get; init; } = 32;

        [CommandOption("--max-length <N>")]
        [Description("Training tokens per text. Default 64.")]
        public int MaxLength { get; init; } = 64;

        [CommandOption("--eval-max-length <N>")]
        [Description("Evaluation tokens per text (reviews are cut). Default 128.")]
        public int EvalMaxLength { get; init; } = 128;

        [CommandOption("--max-per-set <N>")]
        [Description("Rows per ER-TEST set (seeded subset, pairs kept whole; 0 = all). Default 500.")]
        public int MaxPerSet { get; init; } = 500;

        [CommandOption("--plausibility <N>")]
        [Description("Held-out Zaidan sentences for plausibility (0 = skip). Default 300.")]
        public int Plausibility { get; init; } = 300;

        [CommandOption("--resamples <N>")]
        [Description("Bootstrap resamples. Default 1000.")]
        public int Resamples { get; init; } = 1000;

        [CommandOption("--out <DIR>")]
        [Description("Folder of the models and their ER-TEST results (rerun to resume). Default out/er.")]
        public string? Out { get; init; }

        [CommandOption("-o|--output <FILE>")]
        [Description("Write the JSON result (the --json envelope); a name ending in .html writes the HTML report.")]
        public string? Output { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Also write an HTML report (accuracy per set with intervals, the comparison table).")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        CliModel.RequireFloat32ForTraining(s, "er run");
        var seeds = ErCli.Seeds(s.Seeds);
        var er = new ErOptions
        {
            Method = ErOptions.ParseMethod(s.ErMethod),
            Weight = s.ErWeight,
            IgSteps = s.ErSteps,
        }.Validate();
        var pooling = SequenceClassifier.ParsePooling(s.Pooling);
        var train = new ClassifierTrainOptions
        {
            Epochs = s.Epochs,
            LearningRate = s.Lr,
            BatchSize = s.Batch,
            MaxLength = s.MaxLength,
            CheckpointEvery = 10,
        }.Validate();
        var test = ErCli.TestOptions(s.EvalMaxLength, s.MaxPerSet, s.Plausibility, s.Resamples);
        if (s.MaxTrain < 1)
            throw new InputException("--max-train must be at least 1");
        var (data, feedback, rationales) = s.Data switch
        {
            "zaidan" => Zaidan(s.MaxTrain, s.MaxLength),
            _ => WithLexicon(s.Data, s.Lexicon, s.MaxTrain),
        };
        var outDir = CliPaths.OrDefault(s.Out, "er");
        GlassboxRuntime.Initialize(s.Threads);
        var options = new ErExperimentOptions
        {
            OutDir = outDir,
            Seeds = seeds,
            Er = er,
            Train = train,
            Pooling = pooling,
            Test = test,
        };
        var result = CliProgress.Run("er run", s.Json, "steps", p =>
            ErExperiment.Run(
                () => CliModel.Load(s),
                data,
                feedback,
                rationales,
                options,
                p.Status,
                (d, t) => p.Count((int)d, (int)t)
            )
        );
        var manifest = new RunManifest
        {
            Command = "er run",
            Model = s.Model,
            Seed = seeds[0],
            Options = new Dictionary<string, string>
            {
                ["model"] = s.Model,
                ["data"] = s.Data,
                ["er_method"] = s.ErMethod,
                ["er_weight"] = s.ErWeight.ToString("R", CultureInfo.InvariantCulture),
                ["seeds"] = s.Seeds,
            },
            DataDescription = data.Description,
        };
        var payload = CliJson.Envelope("er run", s.Model, result, manifest);
        string reproduce =
            $"glassbox er run -m {s.Model} --data {s.Data} --max-train {s.MaxTrain.ToString(CultureInfo.InvariantCulture)} --seeds {s.Seeds} --er-method {s.ErMethod} --out {outDir}";
        ProbeOutput.Write(payload, s.Output, s.Report, $"Glassbox ER-TEST: {s.Model}", r =>
            ErReport.Add(r, result, reproduce)
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{result.Runs.Count} models in {outDir}. Training: {result.TrainData}; rationales: {result.Rationales} ({result.RationaleCoverage:P0} of texts)."
            )
        );
        var t = Show.Titled(
            "ER vs no ER (mean over seeds, Student-t 95% interval; difference paired by seed)",
            ErReport.Header
        );
        foreach (var c in result.Comparisons)
            t.Row(ErReport.Cells(c));
        Show.Write(t);
        foreach (var f in new[] { s.Output, s.Report }.OfType<string>())
            Show.Wrote(f);
        return 0;
    }

    private static (LabeledTextSet, List<WordFeedback>, string) WithLexicon(string spec, string? lexiconOption, int max)
    {
        var lexiconDir = lexiconOption
            ?? SharedData.Folder("opinion-lexicon-hu-liu")
            ?? throw new InputException(
                "lexicon rationales need --lexicon DIR or the opinion lexicon in ../shared/data/opinion-lexicon-hu-liu"
            );
        var lexicon = Lexicons.OpinionLexicon(lexiconDir)
            ?? throw new InputException($"--lexicon {lexiconDir}: positive-words.txt or negative-words.txt is missing");
        var data = ErData.SingleSpaced(
            ClassifierData.Take(ClassifierData.ReadForLabels(spec, ClassifierData.Sst2Labels, "train"), max, 0)
        );
        return (
            data,
            ErData.LexiconRationales(data, lexicon),
            $"opinion lexicon (Hu and Liu 2004: {Lexicons.Describe(lexicon)})"
        );
    }

    private static (LabeledTextSet, List<WordFeedback>, string) Zaidan(int max, int maxLength)
    {
        var (data, feedback) = ErData.ZaidanTraining(maxLength - 2, max, 0);
        return (data, feedback, "human rationales (Zaidan et al. 2007)");
    }
}
