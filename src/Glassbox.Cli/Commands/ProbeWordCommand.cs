using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Reports;
using Glassbox.Tokenization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe pos|tag|deprel|feature</c>: word-level classifier probes on every layer, with control
/// tasks, a random-weights baseline and bootstrap intervals.</summary>
public sealed class ProbeWordCommand : Command<ProbeWordCommand.Settings>
{
    public sealed class Settings : ProbeSettings
    {
        [CommandOption("--data <CONLLU>")]
        [Description(
            "One CoNLL-U file, split by sentence into train/test (--split, --seed). Default: ../shared/data UD EWT dev."
        )]
        public string? Data { get; init; }

        [CommandOption("--builtin")]
        [Description(
            "Use generated sentences whose content words are noun/verb-ambiguous (UPOS only; the sample of 'glassbox explain' without ../shared/data)."
        )]
        public bool Builtin { get; init; }

        [CommandOption("--sentences <N>")]
        [Description(
            "Use only the first N sentences of --data (before the split), or generate N with --builtin (default 400 there). Default: all."
        )]
        public int? Sentences { get; init; }

        [CommandOption("--feature <NAME>")]
        [Description("For the 'feature' task: the morphological feature, e.g. Number or Tense.")]
        public string? Feature { get; init; }

        [CommandOption("--probe <KIND>")]
        [Description("linear (default) or mlp.")]
        public string Probe { get; init; } = "linear";

        [CommandOption("--pooling <P>")]
        [Description("Subword pooling: first (default), last or mean.")]
        public string Pooling { get; init; } = "first";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        string task = context.Name;
        Func<ConllWord, string?> label = task switch
        {
            "pos" => w => w.Upos,
            "tag" => w => w.Xpos,
            "deprel" => w => w.Deprel.Split(':')[0],
            "feature" => s.Feature is null
                ? throw new InputException("the feature task needs --feature NAME (e.g. Number)")
                : w => w.Feats.GetValueOrDefault(s.Feature),
            _ => throw new InputException($"unknown probe task '{task}'"),
        };
        if (s.Sentences is < 2)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--sentences must be at least 2, got {s.Sentences}")
            );
        IReadOnlyList<ConllSentence> train,
            test;
        string description;
        IReadOnlyDictionary<string, string> dataFiles;
        if (s.Builtin)
        {
            if (s.Data is not null || s.Train is not null)
                throw new InputException(
                    "--builtin generates its own sentences: give it without --data/--train/--test"
                );
            if (task != "pos")
                throw new InputException(
                    $"--builtin has gold labels for UPOS only ('glassbox probe pos'), not '{task}'"
                );
            int n = s.Sentences ?? 400;
            (train, test) = BuiltInProbes.UposSample(n, s.Seed);
            description = string.Create(
                CultureInfo.InvariantCulture,
                $"Built-in data: {n} generated sentences whose content words are noun/verb-ambiguous, split 80%/20% (seed {s.Seed})"
            );
            dataFiles = new Dictionary<string, string>();
        }
        else
            (train, test, description, dataFiles) = TreebankData.Load(
                s.Data,
                s.Train,
                s.Test,
                s.Split,
                s.Seed,
                s.Sentences
            );
        var options = new WordProbeOptions
        {
            Probe = new ProbeOptions { Kind = ProbeRunSettings.ParseProbe(s.Probe), Seed = s.Seed },
            Extraction = new ExtractionOptions
            {
                CacheDirectory = s.CacheDir,
                Pooling = s.Pooling switch
                {
                    "first" => Pooling.First,
                    "last" => Pooling.Last,
                    "mean" => Pooling.Mean,
                    _ => throw new InputException($"--pooling must be first, last or mean, got '{s.Pooling}'"),
                },
            },
            Control = !s.NoControl,
            RandomModelBaseline = !s.NoRandomModel,
            Seed = s.Seed,
        };
        using var model = CliModel.Load(s);
        string taskName = task == "feature" ? s.Feature! : task.ToUpperInvariant();
        var result = CliProgress.Run(
            "probe " + task,
            s.Json,
            "sentences",
            p =>
                WordProbeExperiment.Run(
                    model,
                    train,
                    test,
                    taskName,
                    label,
                    options with
                    {
                        Extraction = options.Extraction with { Progress = p.Counter },
                    },
                    p.Reporter
                ),
            model.Config.NLayers + 1
        );
        var manifest = RunManifest.For(
            "probe " + task,
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["probe"] = s.Probe,
                ["pooling"] = s.Pooling,
                ["split"] = s.Split.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = dataFiles,
            DataDescription = description,
        };
        var payload = CliJson.Envelope("probe " + task, model.Name, result, manifest);
        ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox probing: {model.Name}", r =>
            ProbeReport.AddWordProbe(r, result, model.Name, description)
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        ProbeOutput.PrintLayers(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{taskName} probe on {model.Name} ({result.TrainWords:N0} train / {result.TestWords:N0} test words)"
            ),
            result.Layers,
            result.MajorityLabel,
            result.MajorityBaseline
        );
        return 0;
    }
}
