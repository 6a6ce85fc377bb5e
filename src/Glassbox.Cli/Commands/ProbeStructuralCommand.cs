using System.ComponentModel;
using System.Globalization;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Probing.Structural;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox probe structural</c>: Hewitt &amp; Manning distance and depth probes on every layer.</summary>
public sealed class ProbeStructuralCommand : Command<ProbeStructuralCommand.Settings>
{
    /// <summary>Default of --epochs.</summary>
    public const int DefaultEpochs = 10;

    /// <summary>Default of --sentences.</summary>
    public const int DefaultSentences = 1000;

    public sealed class Settings : ModelSettings
    {
        [CommandOption("--data <CONLLU>")]
        [Description("One CoNLL-U file split by sentence (--split, --seed). Default: ../shared/data UD EWT dev.")]
        public string? Data { get; init; }

        [CommandOption("--train <CONLLU>")]
        [Description("Training CoNLL-U file (with --test, instead of --data).")]
        public string? Train { get; init; }

        [CommandOption("--test <CONLLU>")]
        [Description("Test CoNLL-U file (with --train).")]
        public string? Test { get; init; }

        [CommandOption("--split <FRACTION>")]
        [Description("Training fraction when --data is split. Default 0.8.")]
        public double Split { get; init; } = 0.8;

        [CommandOption("--rank <R>")]
        [Description("Rank of the probe matrix B (default d_model).")]
        public int? Rank { get; init; }

        [CommandOption("--epochs <N>")]
        [Description(
            "Most passes over the training sentences (training also stops after 4 epochs without dev improvement). Default 10."
        )]
        public int Epochs { get; init; } = DefaultEpochs;

        [CommandOption("--sentences <N>")]
        [Description(
            "Use at most N training sentences and N/4 test sentences (the first ones). Default 1000; 0 = all."
        )]
        public int Sentences { get; init; } = DefaultSentences;

        [CommandOption("--no-random-model")]
        [Description("Skip the randomly initialised model baseline (halves the time).")]
        public bool NoRandomModel { get; init; }

        [CommandOption("--seed <SEED>")]
        [Description("Seed of the split, the probe initialisation and the bootstrap. Default 1.")]
        public int Seed { get; init; } = 1;

        [CommandOption("--cache-dir <DIR>")]
        [Description(
            "Reuse word representations extracted earlier (same model, sentences, hooks, pooling) from this directory, and store new ones there."
        )]
        public string? CacheDir { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("Write the HTML report here.")]
        public string? Report { get; init; }

        [CommandOption("-o|--out <FILE>")]
        [Description("Write the JSON result here.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Sentences < 0)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--sentences must be 0 (all) or more, got {s.Sentences}")
            );
        if (s.Epochs < 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--epochs must be at least 1, got {s.Epochs}")
            );
        var (train, test, description, files) = TreebankData.Load(s.Data, s.Train, s.Test, s.Split, s.Seed);
        if (s.Sentences > 0)
            (train, test) = (train.Take(s.Sentences).ToList(), test.Take(Math.Max(1, s.Sentences / 4)).ToList());
        using var model = CliModel.Load(s);
        var options = new StructuralProbeOptions
        {
            Rank = s.Rank,
            Epochs = s.Epochs,
            Seed = s.Seed,
        };
        StructuralExperimentResult result = null!;
        void Go(Action<string>? st, Action<int, int>? count) =>
            result = StructuralProbeExperiment.Run(
                model,
                train,
                test,
                options,
                !s.NoRandomModel,
                new ExtractionOptions { CacheDirectory = s.CacheDir, Progress = count },
                status: st
            );
        CliProgress.Run(
            "probe structural",
            s.Json,
            "sentences",
            p =>
            {
                Go(p.Reporter, p.Counter);
                return 0;
            },
            model.Config.NLayers + 1
        );
        var manifest = RunManifest.For(
            "probe structural",
            model,
            s.Seed,
            new Dictionary<string, string>
            {
                ["epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture),
                ["sentences"] = s.Sentences.ToString(CultureInfo.InvariantCulture),
                ["rank"] = s.Rank?.ToString(CultureInfo.InvariantCulture) ?? "d_model",
            }
        ) with
        {
            Data = files,
            DataDescription = description,
        };
        var layers = result
            .Layers.Select(l => new
            {
                layer = l.Layer,
                l.Result.Uuas,
                l.Result.UuasInterval,
                l.Result.DSpr,
                l.Result.RootAccuracy,
                l.Result.NSpr,
            })
            .ToList();
        var random = result
            .RandomModel.Select(l => new
            {
                layer = l.Layer,
                l.Result.Uuas,
                l.Result.DSpr,
                l.Result.RootAccuracy,
                l.Result.NSpr,
            })
            .ToList();
        var payload = CliJson.Envelope(
            "probe structural",
            model.Name,
            new
            {
                result.TrainSentences,
                result.TestSentences,
                result.SkippedSentences,
                rightBranchingUuas = result.Layers[0].Result.RightBranchingUuas,
                layers,
                randomModel = random,
            },
            manifest
        );
        if (s.Out is not null)
            CliJson.Save(s.Out, payload);
        if (s.Report is not null)
        {
            var report = new HtmlReport($"Glassbox structural probe: {model.Name}");
            var best = result.Best;
            var sentence = test.FirstOrDefault(t =>
                t.Words.Count is >= 6 and <= 14 && t.Words.All(w => w.Upos != "PUNCT" || true)
            );
            StructuralReport.AddSection(report, $"Structural probe ({description})", result.Layers);
            if (result.RandomModel.Count > 0)
                StructuralReport.AddSection(
                    report,
                    "Structural probe on the random-weights model (baseline)",
                    result.RandomModel,
                    id: "structural-random"
                );
            report.Save(s.Report);
        }
        if (s.Json)
        {
            CliJson.Write(payload);
            return 0;
        }
        var t = Show.Titled(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Structural probes on {model.Name} ({result.TrainSentences} train / {result.TestSentences} test sentences)"
                )
            )
            .Columns("layer", "UUAS [95% CI]", "DSpr", "root acc", "NSpr", "random-model UUAS");
        for (int i = 0; i < result.Layers.Count; i++)
        {
            var (name, r) = result.Layers[i];
            t.Row(
                name,
                string.Create(CultureInfo.InvariantCulture, $"{r.Uuas:F3} {r.UuasInterval.BoundsText()}"),
                r.DSpr.ToString("F3", CultureInfo.InvariantCulture),
                r.RootAccuracy.ToString("F3", CultureInfo.InvariantCulture),
                r.NSpr.ToString("F3", CultureInfo.InvariantCulture),
                result.RandomModel.Count > i
                    ? result.RandomModel[i].Result.Uuas.ToString("F3", CultureInfo.InvariantCulture)
                    : "-"
            );
        }
        Show.Write(t);
        Show.Markup(
            $"right-branching baseline UUAS: {result.Layers[0].Result.RightBranchingUuas:F3}; best layer {result.Best.Layer} (UUAS {result.Best.Result.Uuas:F3})."
        );
        return 0;
    }
}
