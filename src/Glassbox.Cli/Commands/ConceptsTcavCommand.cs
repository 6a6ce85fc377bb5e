using System.ComponentModel;
using System.Globalization;
using Glassbox.Classification;
using Glassbox.Concepts;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Reports;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox concepts tcav</c>: does the model use a human concept for a prediction, and more than chance?</summary>
public sealed class ConceptsTcavCommand : Command<ConceptsTcavCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--concept <NAME_OR_FILE>")]
        [Description(
            "A concept: a built-in name (positive-adjectives, negative-adjectives, neutral-words, colour-words) or a file with one example per line. Repeatable."
        )]
        public string[] Concepts { get; init; } = Array.Empty<string>();

        [CommandOption("--relative <A:B>")]
        [Description("Also fit a relative CAV of concept A vs concept B (names as given to --concept). Repeatable.")]
        public string[] Relative { get; init; } = Array.Empty<string>();

        [CommandOption("--random <N>")]
        [Description("Random runs: random sets per concept and random-vs-random CAVs for the null. Default 50.")]
        public int Random { get; init; } = 50;

        [CommandOption("--examples <N>")]
        [Description("Examples per random set; a concept is capped at this many. Default 100.")]
        public int Examples { get; init; } = 100;

        [CommandOption("--layers <LIST>")]
        [Description("Layers to test, e.g. 0,2,4 or 1-3. Default all.")]
        public string? Layers { get; init; }

        [CommandOption("--hook <NAME>")]
        [Description("Block hook point per layer, e.g. resid_post (default), resid_pre, attn_out, mlp_out.")]
        public string Hook { get; init; } = "resid_post";

        [CommandOption("--pooling <KIND>")]
        [Description("token (last token of a causal LM, the first (CLS) token of an encoder) or mean (default).")]
        public string Pooling { get; init; } = "mean";

        [CommandOption("--cav <METHOD>")]
        [Description("CAV fit: logistic (default) or mean-diff (difference of means).")]
        public string Cav { get; init; } = "logistic";

        [CommandOption("--target <SPEC>")]
        [Description(
            "For a classifier (-m a classifier directory): class names, comma-separated (default all). For a language model: TOKEN or TOKEN,TOKEN (logit or logit difference at the last position)."
        )]
        public string? Target { get; init; }

        [CommandOption("--inputs <FILE>")]
        [Description(
            "Target inputs, one text per line (the texts whose predictions are explained), or sst2-dev (a two-class classifier: the SST-2 dev sentences of each target class)."
        )]
        public string? Inputs { get; init; }

        [CommandOption("--max-inputs <N>")]
        [Description("Use at most this many inputs. Default 100.")]
        public int MaxInputs { get; init; } = 100;

        [CommandOption("--random-corpus <FILE>")]
        [Description(
            "Sentences (one per line) to draw random sets from. Default SST-2 train, else TinyStories, from the shared data."
        )]
        public string? RandomCorpus { get; init; }

        [CommandOption("--random-words <NAME_OR_FILE>")]
        [Description(
            "Draw random word sets from this pool instead of the corpus's words: a built-in concept (e.g. neutral-words, a part-of-speech-matched null for adjective concepts) or a file, one word per line."
        )]
        public string? RandomWords { get; init; }

        [CommandOption("--null-sets <K>")]
        [Description(
            "Also test each concept against K random concept sets of its size (a set-level null: is it different from a random word set, not only from random counterparts?). 0 = off (default); 50 is a good value."
        )]
        public int NullSets { get; init; }

        [CommandOption("--null-runs <N>")]
        [Description("Counterpart runs per set in the set-level null (at most --random). Default 10.")]
        public int NullRuns { get; init; } = 10;

        [CommandOption("--sentence <TEXT>")]
        [Description("Sentence for the concept sensitivity maps. Default the first input.")]
        public string? Sentence { get; init; }

        [CommandOption("--batch-size <N>")]
        [Description("Texts per forward/backward. Default 32.")]
        public int BatchSize { get; init; } = 32;

        [CommandOption("--seed <N>")]
        [Description("Seed of random sets, CAV splits and bootstraps. Default 0.")]
        public int Seed { get; init; }

        [CommandOption("--report <FILE>")]
        [Description("HTML report. Default out/tcav.html.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Concepts.Length == 0)
            throw new InputException(
                "--concept is required (a built-in name or a file); repeat it for several concepts"
            );
        if (s.MaxInputs < 1)
            throw new InputException("--max-inputs must be at least 1");
        var pooling = s.Pooling switch
        {
            "mean" => ConceptPooling.Mean,
            "token" => ConceptPooling.Token,
            _ => throw new InputException($"--pooling: expected token or mean, got '{s.Pooling}'"),
        };
        var method = s.Cav switch
        {
            "logistic" => CavMethod.Logistic,
            "mean-diff" => CavMethod.DifferenceOfMeans,
            _ => throw new InputException($"--cav: expected logistic or mean-diff, got '{s.Cav}'"),
        };
        string? data = SharedData.Root;
        var concepts = s.Concepts.Select(c => ConceptsCli.LoadConcept(c, data, s.Examples)).ToList();
        var pairs = s.Relative.Select(r => ConceptsCli.Pair(r, s.Concepts)).ToList();
        RandomConcepts random = s.RandomCorpus is { } rc
            ? new RandomConcepts(ConceptsCli.Lines(rc, "--random-corpus"), Path.GetFileName(rc))
            : BuiltInConcepts.RandomCorpus(data);
        if (s.RandomWords is { } rw)
            random = random.WithWordPool(
                BuiltInConcepts.IsBuiltIn(rw) && !File.Exists(rw)
                    ? BuiltInConcepts.Load(rw, data).Examples
                    : ConceptsCli.Lines(rw, "--random-words"),
                BuiltInConcepts.IsBuiltIn(rw) ? rw : Path.GetFileName(rw),
                s.Examples
            );
        using var classifier =
            Directory.Exists(s.Model) && ClassifierCheckpoint.IsClassifierDirectory(s.Model)
                ? CliModel.Classifier(s, s.Model)
                : null;
        using var loaded = classifier is null ? CliModel.Load(s) : null;
        var model = classifier?.Encoder ?? loaded!;
        var targets = ConceptsCli.Targets(model, classifier, s.Target, s.Inputs, s.MaxInputs, data);
        var hooks = ConceptsCli.Hooks(model.Config, s.Layers, s.Hook);
        var options = new TcavOptions
        {
            Hooks = hooks,
            Pooling = pooling,
            Method = method,
            RandomRuns = s.Random,
            ExamplesPerSet = s.Examples,
            NullSets = s.NullSets,
            NullRuns = s.NullRuns,
            BatchSize = s.BatchSize,
            Seed = s.Seed,
        };
        var result = CliProgress.Run("concepts tcav", s.Json, "steps", p =>
            TcavAnalysis.Run(targets, concepts, random, options, pairs, p.Reporter)
        );
        string sentence = s.Sentence ?? targets[0].Inputs[0];
        var maps = CliProgress.Run("concepts tcav: sensitivity maps", s.Json, "maps", p =>
            concepts
                .SelectMany(c =>
                    hooks.Select(h =>
                        SensitivityMap.Compute(
                            targets[0].Target,
                            sentence,
                            h,
                            c,
                            random.Draw(0, s.Examples, c.IsWordLevel, s.Seed),
                            options
                        )
                    )
                )
                .ToList()
        );
        var report = new HtmlReport("TCAV — " + model.Name);
        TcavReport.Add(report, result, maps, "glassbox " + string.Join(' ', context.Arguments));
        string path = CliPaths.OrDefault(s.Report, "tcav.html");
        report.Save(path);
        if (s.Json)
        {
            CliJson.Write(
                "concepts tcav",
                model.Name,
                new
                {
                    report = Path.GetFullPath(path),
                    result,
                    sensitivity = maps,
                }
            );
            return 0;
        }
        var table = Show.Titled(
            "TCAV (" + targets.Count.ToString(CultureInfo.InvariantCulture) + " target(s))",
            "target",
            "hook",
            "concept",
            "score [95% CI]",
            "random",
            "CAV acc.",
            "p",
            "p Holm",
            "d",
            "sig."
        );
        foreach (var r in result.Scores)
            table.Row(
                r.Target,
                r.Hook,
                r.Concept,
                r.Score.ToString(),
                r.Random.Value.ToString("F3", CultureInfo.InvariantCulture),
                r.CavAccuracy.ToString("F3", CultureInfo.InvariantCulture),
                r.P.ToString("G3", CultureInfo.InvariantCulture),
                r.PHolm.ToString("G3", CultureInfo.InvariantCulture),
                r.CohensD.ToString("F2", CultureInfo.InvariantCulture),
                r.Significant ? "yes" : "no"
            );
        Show.Write(table);
        if (result.Scores.Any(r => r.SetNull is not null))
            WriteSetNull(result);
        if (result.Relative.Count > 0)
        {
            var rel = Show.Titled("Relative CAVs", "target", "hook", "A vs B", "score [95% CI]", "CAV acc.");
            foreach (var r in result.Relative)
                rel.Row(
                    r.Target,
                    r.Hook,
                    r.ConceptA + " vs " + r.ConceptB,
                    r.Score.ToString(),
                    r.CavAccuracy.ToString("F3", CultureInfo.InvariantCulture)
                );
            Show.Write(rel);
        }
        foreach (var c in result.Concepts)
            Show.Line(
                string.Create(CultureInfo.InvariantCulture, $"concept {c.Name}: {c.Examples} examples ({c.Source})")
            );
        var t = result.Timings;
        Show.Line(
            string.Create(
                CultureInfo.InvariantCulture,
                $"random sets: {result.Options.RandomRuns} + 1 counterpart from {result.RandomCorpus}; time: activations {t.Activations:F1} s, gradients {t.Gradients:F1} s, CAVs and tests {t.Cavs:F1} s"
            )
        );
        Show.Wrote(path);
        return 0;
    }

    private static void WriteSetNull(TcavResult result)
    {
        static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        static string G(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
        var table = Show.Titled(
            "Set-level null: the concept against random concept sets of its size",
            "target",
            "hook",
            "concept",
            "score / null",
            "p Holm",
            "cosine / null",
            "z",
            "p Holm"
        );
        foreach (var r in result.Scores)
        {
            var n = r.SetNull!;
            table.Row(
                r.Target,
                r.Hook,
                r.Concept,
                F(n.Score.Concept) + " / " + F(n.Score.NullMean),
                G(n.Score.PHolm),
                F(n.Cosine.Concept) + " / " + F(n.Cosine.NullMean),
                n.Cosine.Z.ToString("F2", CultureInfo.InvariantCulture),
                G(n.Cosine.PHolm)
            );
        }
        Show.Write(table);
    }
}
