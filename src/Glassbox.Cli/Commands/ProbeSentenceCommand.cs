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

/// <summary><c>glassbox probe sentence</c>: sentence-level probes (mean of word vectors) on every layer, on a labelled
/// TSV/JSONL file or on built-in template-grammar tasks (tense, voice, subject number, length).</summary>
public sealed class ProbeSentenceCommand : Command<ProbeSentenceCommand.Settings>
{
    /// <summary>The built-in tasks (labels of <see cref="TemplateGrammar"/> sentences).</summary>
    public static readonly string[] BuiltInTasks = { "tense", "voice", "subject_number", "length" };

    public sealed class Settings : ProbeSettings
    {
        [CommandOption("--data <FILE>")]
        [Description(
            "Labelled sentences (TSV with sentence/text and label columns, or JSONL), split by --split/--seed. Default: built-in data."
        )]
        public string? Data { get; init; }

        [CommandOption("--task <TASK>")]
        [Description(
            "Built-in task: tense (default), voice, subject_number or length. With files: a name for the label."
        )]
        public string? Task { get; init; }

        [CommandOption("--sentences <N>")]
        [Description("Built-in data: number of generated sentences (80% train). Default 400.")]
        public int Sentences { get; init; } = 400;

        [CommandOption("--probe <KIND>")]
        [Description("linear (default) or mlp.")]
        public string Probe { get; init; } = "linear";
    }

    private sealed record Sentence(IReadOnlyList<string> Words, string Label, string? ControlType = null);

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var kind = ProbeRunSettings.ParseProbe(s.Probe);
        var (train, test, task, description, files) = Load(s);
        var options = new WordProbeOptions
        {
            Probe = new ProbeOptions { Kind = kind, Seed = s.Seed },
            Control = !s.NoControl,
            RandomModelBaseline = !s.NoRandomModel,
            Seed = s.Seed,
            Extraction = s.Extraction(Pooling.Mean),
        };
        using var model = CliModel.Load(s);
        var pairs = (List<Sentence> l) => l.Select(x => (x.Words, x.Label)).ToList();
        var all = train.Concat(test).ToList();
        var controlTypes = all.All(x => x.ControlType is not null) ? all.Select(x => x.ControlType!).ToList() : null;
        var result = CliProgress.Run(
            "probe sentence",
            s.Json,
            "sentences",
            p =>
                SentenceProbeExperiment.Run(
                    model,
                    pairs(train),
                    pairs(test),
                    task,
                    options with
                    {
                        Extraction = options.Extraction with { Progress = p.Counter },
                    },
                    p.Reporter,
                    controlTypes
                ),
            layerCount: model.Config.NLayers + 1
        );
        var manifest = RunManifest.For(
            "probe sentence",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["task"] = task,
                ["probe"] = s.Probe,
                ["split"] = s.Split.ToString(CultureInfo.InvariantCulture),
            }
        ) with
        {
            Data = files,
            DataDescription = description,
        };
        var payload = CliJson.Envelope("probe sentence", model.Name, result, manifest);
        ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox probing: {model.Name}", r =>
            ProbeReport.AddWordProbe(r, result, model.Name, description + " (sentence vectors: mean of word vectors)")
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        ProbeOutput.PrintLayers(
            string.Create(
                CultureInfo.InvariantCulture,
                $"{task} sentence probe on {model.Name} ({result.TrainWords:N0} train / {result.TestWords:N0} test sentences)"
            ),
            result.Layers,
            result.MajorityLabel,
            result.MajorityBaseline
        );
        return 0;
    }

    private static (
        List<Sentence> Train,
        List<Sentence> Test,
        string Task,
        string Description,
        IReadOnlyDictionary<string, string> Files
    ) Load(Settings s)
    {
        if ((s.Train is null) != (s.Test is null))
            throw new InputException("--train and --test go together");
        if (s.Train is not null && s.Data is not null)
            throw new InputException("give --data or --train/--test, not both");
        if (s.Train is not null)
            return (
                Read(s.Train),
                Read(s.Test!),
                s.Task ?? "label",
                Path.GetFullPath(s.Train) == Path.GetFullPath(s.Test!)
                    ? $"Trained and tested on the same file {Path.GetFileName(s.Train)} (the test score is a training-set fit, not held out)"
                    : $"Trained on {Path.GetFileName(s.Train)}, tested on {Path.GetFileName(s.Test)}",
                ProbeJsonl.Hashes(new[] { s.Train, s.Test! })
            );
        if (s.Data is not null)
        {
            if (s.Split is <= 0 or >= 1)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"--split must be between 0 and 1, got {s.Split}")
                );
            var (train, test) = SeededSplit.Split(Read(s.Data), s.Split, s.Seed, $"--data {s.Data}");
            return (
                train,
                test,
                s.Task ?? "label",
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(s.Data)} split by sentence {s.Split:P0}/{1 - s.Split:P0} (seed {s.Seed})"
                ),
                ProbeJsonl.Hashes(new[] { s.Data })
            );
        }
        var task = s.Task ?? "tense";
        if (!BuiltInTasks.Contains(task))
            throw new InputException(
                $"--task must be one of {string.Join(", ", BuiltInTasks)} for built-in data, got '{task}'"
            );
        if (s.Sentences < 10)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--sentences must be at least 10, got {s.Sentences}")
            );
        var data = TemplateGrammar
            .Sentences(s.Sentences, s.Seed)
            .Select(g => new Sentence(g.Parse.Words.Select(w => w.Form).ToList(), g.Labels[task], g.RootLemma))
            .ToList();
        int n = s.Sentences * 4 / 5;
        return (
            data.Take(n).ToList(),
            data.Skip(n).ToList(),
            task,
            string.Create(
                CultureInfo.InvariantCulture,
                $"Built-in data: {s.Sentences} template-grammar sentences (seed {s.Seed}), {n} for training and {s.Sentences - n} for testing; control task: a random label per main-verb lemma"
            ),
            new Dictionary<string, string>()
        );
    }

    /// <summary>Reads a labelled file; words are the whitespace-separated parts of each text.</summary>
    private static List<Sentence> Read(string path) =>
        LabeledSentenceReader
            .Read(path)
            .Select(x => new Sentence(x.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), x.Label))
            .ToList();
}
