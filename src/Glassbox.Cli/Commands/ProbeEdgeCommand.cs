using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Probing.Edge;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe edge</c>: Tenney et al. edge probing on UD trees (span phrase types or head-dependent
/// relation labels) with mean, max or self-attentive span pooling, on every layer.</summary>
public sealed class ProbeEdgeCommand : Command<ProbeEdgeCommand.Settings>
{
    public sealed class Settings : ProbeSettings
    {
        [CommandOption("--data <CONLLU>")]
        [Description("One CoNLL-U file split by sentence (--split, --seed). Default: ../shared/data UD EWT dev.")]
        public string? Data { get; init; }

        [CommandOption("--builtin")]
        [Description("Use built-in template-grammar trees instead of a treebank (--sentences N).")]
        public bool BuiltIn { get; init; }

        [CommandOption("--sentences <N>")]
        [Description("Built-in data: number of generated sentences (80% train). Default 400.")]
        public int Sentences { get; init; } = 400;

        [CommandOption("--task <TASK>")]
        [Description(
            "span (phrase type of a subtree) or pair (relation between head and dependent subtrees, default)."
        )]
        public string Task { get; init; } = "pair";

        [CommandOption("--pooling <P>")]
        [Description("Span pooling: mean (default), max or attn (self-attentive, trained jointly).")]
        public string Pooling { get; init; } = "mean";

        [CommandOption("--word-pooling <P>")]
        [Description("Subword pooling into words: first (default), last or mean.")]
        public string WordPooling { get; init; } = "first";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var task = s.Task switch
        {
            "span" => EdgeTask.Span,
            "pair" => EdgeTask.Pair,
            _ => throw new InputException($"--task must be span or pair, got '{s.Task}'"),
        };
        var pooling = s.Pooling switch
        {
            "mean" => SpanPooling.Mean,
            "max" => SpanPooling.Max,
            "attn" or "attention" => SpanPooling.Attention,
            _ => throw new InputException($"--pooling must be mean, max or attn, got '{s.Pooling}'"),
        };
        var wordPooling = ProbeRunSettings.ParsePooling(s.WordPooling, "--word-pooling");
        IReadOnlyList<ConllSentence> train,
            test;
        string description;
        IReadOnlyDictionary<string, string> files;
        if (s.BuiltIn)
        {
            if (s.Data is not null || s.Train is not null)
                throw new InputException("--builtin takes no --data/--train/--test");
            if (s.Sentences < 10)
                throw new InputException(
                    string.Create(CultureInfo.InvariantCulture, $"--sentences must be at least 10, got {s.Sentences}")
                );
            var data = TemplateGrammar.Sentences(s.Sentences, s.Seed).Select(g => g.Parse).ToList();
            int n = s.Sentences * 4 / 5;
            (train, test) = (data.Take(n).ToList(), data.Skip(n).ToList());
            description = string.Create(
                CultureInfo.InvariantCulture,
                $"Built-in data: {s.Sentences} template-grammar sentences (seed {s.Seed}), {n} for training and {s.Sentences - n} for testing"
            );
            files = new Dictionary<string, string>();
        }
        else
            (train, test, description, files) = TreebankData.Load(s.Data, s.Train, s.Test, s.Split, s.Seed);
        var options = new EdgeProbeOptions
        {
            Pooling = pooling,
            Extraction = s.Extraction(wordPooling),
            Control = !s.NoControl,
            RandomModelBaseline = !s.NoRandomModel,
            Seed = s.Seed,
        };
        using var model = CliModel.Load(s);
        var result = CliProgress.Run(
            "probe edge",
            s.Json,
            "sentences",
            p =>
                EdgeProbeExperiment.Run(
                    model,
                    train,
                    test,
                    task,
                    options with
                    {
                        Extraction = options.Extraction with { Progress = p.Counter },
                    },
                    p.Reporter
                ),
            layerCount: model.Config.NLayers + 1
        );
        var manifest = RunManifest.For(
            "probe edge",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["task"] = s.Task,
                ["pooling"] = s.Pooling,
                ["word-pooling"] = s.WordPooling,
                ["split"] = s.Split.ToString(CultureInfo.InvariantCulture),
                ["builtin"] = s.BuiltIn.ToString(),
            }
        ) with
        {
            Data = files,
            DataDescription = description,
        };
        var payload = CliJson.Envelope("probe edge", model.Name, result, manifest);
        ProbeOutput.Write(payload, s.Out, s.Report, $"Glassbox edge probing: {model.Name}", r =>
            EdgeReport.AddSection(r, result, model.Name, description)
        );
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        ProbeOutput.PrintLayers(
            string.Create(
                CultureInfo.InvariantCulture,
                $"Edge probe ({result.Task}, {result.Pooling} pooling) on {model.Name} ({result.TrainExamples:N0} train / {result.TestExamples:N0} test)"
            ),
            result.Layers,
            result.MajorityLabel,
            result.MajorityBaseline
        );
        return 0;
    }
}
