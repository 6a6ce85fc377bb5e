using System.Globalization;
using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Data;
using Spectre.Console.Cli;

namespace Glassbox.Tests.Cli;

/// <summary>Every command that takes <c>--json</c> prints exactly one result envelope (docs/json.md) that satisfies
/// docs/json/envelope.schema.json; result files (<c>-o r.json</c>, train.json, losses.json) hold the same envelope.</summary>
[Collection("console")]
public sealed class JsonEnvelopeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-json-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Each command (as typed after <c>glassbox</c>), the type that runs it, and whether it loads a model.
    /// All of them run on the tiny model of <see cref="TinyCliModel"/>, so none needs the shared data.</summary>
    public static readonly (string Command, Type Type, bool Model)[] Commands =
    {
        ("models", typeof(Glassbox.Cli.Commands.ModelsCommand), false),
        ("doctor", typeof(Glassbox.Cli.Commands.DoctorCommand), false),
        ("info", typeof(Glassbox.Cli.Commands.InfoCommand), true),
        ("run", typeof(Glassbox.Cli.Commands.RunCommand), true),
        ("generate", typeof(Glassbox.Cli.Commands.GenerateCommand), true),
        ("cache", typeof(Glassbox.Cli.Commands.CacheCommand), true),
        ("export", typeof(Glassbox.Cli.Commands.ExportCommand), true),
        ("probe pos", typeof(Glassbox.Cli.Commands.ProbeWordCommand), true),
        ("probe tag", typeof(Glassbox.Cli.Commands.ProbeWordCommand), true),
        ("probe deprel", typeof(Glassbox.Cli.Commands.ProbeWordCommand), true),
        ("probe feature", typeof(Glassbox.Cli.Commands.ProbeWordCommand), true),
        ("probe structural", typeof(Glassbox.Cli.Commands.ProbeStructuralCommand), true),
        ("probe minimal-pairs", typeof(Glassbox.Cli.Commands.ProbeMinimalPairsCommand), true),
        ("probe minimal-pairs-merge", typeof(Glassbox.Cli.Commands.ProbeMinimalPairsMergeCommand), true),
        ("probe cloze-merge", typeof(Glassbox.Cli.Commands.ProbeClozeMergeCommand), true),
        ("probe cloze", typeof(Glassbox.Cli.Commands.ProbeClozeCommand), true),
        ("probe heads", typeof(Glassbox.Cli.Commands.ProbeHeadsCommand), true),
        ("probe sentence", typeof(Glassbox.Cli.Commands.ProbeSentenceCommand), true),
        ("probe edge", typeof(Glassbox.Cli.Commands.ProbeEdgeCommand), true),
        ("probe coref", typeof(Glassbox.Cli.Commands.ProbeCorefCommand), true),
        ("lens", typeof(Glassbox.Cli.Commands.LensCommand), true),
        ("dla", typeof(Glassbox.Cli.Commands.DlaCommand), true),
        ("heads", typeof(Glassbox.Cli.Commands.HeadsCommand), true),
        ("circuits", typeof(Glassbox.Cli.Commands.CircuitsCommand), true),
        ("neuron", typeof(Glassbox.Cli.Commands.NeuronCommand), true),
        ("neurons rank", typeof(Glassbox.Cli.Commands.NeuronsRankCommand), true),
        ("neurons verify", typeof(Glassbox.Cli.Commands.NeuronsVerifyCommand), true),
        ("neurons correspond", typeof(Glassbox.Cli.Commands.NeuronsCorrespondCommand), true),
        ("ablate", typeof(Glassbox.Cli.Commands.AblateCommand), true),
        ("train", typeof(Glassbox.Cli.Commands.TrainCommand), true),
        ("induction", typeof(Glassbox.Cli.Commands.InductionCommand), true),
        ("patch", typeof(Glassbox.Cli.Commands.PatchCommand), true),
        ("patch-set", typeof(Glassbox.Cli.Commands.PatchSetCommand), true),
        ("patch-set-merge", typeof(Glassbox.Cli.Commands.PatchSetMergeCommand), true),
        ("trace", typeof(Glassbox.Cli.Commands.TraceCommand), true),
        ("explain", typeof(Glassbox.Cli.Commands.ExplainCommand), true),
        ("neurons explain", typeof(Glassbox.Cli.Commands.NeuronsExplainCommand), true),
        ("neurons score", typeof(Glassbox.Cli.Commands.NeuronsScoreCommand), true),
        ("neurons sasc", typeof(Glassbox.Cli.Commands.NeuronsSascCommand), true),
        ("sae train", typeof(Glassbox.Cli.Commands.SaeTrainCommand), true),
        ("sae eval", typeof(Glassbox.Cli.Commands.SaeEvalCommand), true),
        ("sae collect", typeof(Glassbox.Cli.Commands.SaeCollectCommand), true),
        ("sae collect-merge", typeof(Glassbox.Cli.Commands.SaeCollectMergeCommand), true),
        ("neurons harvest", typeof(Glassbox.Cli.Commands.NeuronsHarvestCommand), true),
        ("neurons top", typeof(Glassbox.Cli.Commands.NeuronsTopCommand), true),
        ("neurons merge", typeof(Glassbox.Cli.Commands.NeuronsMergeCommand), true),
        ("neurons check", typeof(Glassbox.Cli.Commands.NeuronsCheckCommand), true),
        ("classify train", typeof(Glassbox.Cli.Commands.ClassifyTrainCommand), true),
        ("classify eval", typeof(Glassbox.Cli.Commands.ClassifyEvalCommand), true),
        ("concepts compose", typeof(Glassbox.Cli.Commands.ConceptsComposeCommand), true),
        ("attribute", typeof(Glassbox.Cli.Commands.AttributeCommand), true),
        ("shortcuts", typeof(Glassbox.Cli.Commands.ShortcutsCommand), true),
        ("amplify", typeof(Glassbox.Cli.Commands.AmplifyCommand), true),
        ("er run", typeof(Glassbox.Cli.Commands.ErRunCommand), true),
        ("er test", typeof(Glassbox.Cli.Commands.ErTestCommand), true),
        ("xmd", typeof(Glassbox.Cli.Commands.XmdCommand), true),
        ("serve", typeof(Glassbox.Cli.Commands.ServeCommand), true),
        ("concepts tcav", typeof(Glassbox.Cli.Commands.ConceptsTcavCommand), true),
    };

    public static IEnumerable<object[]> CommandNames() => Commands.Select(c => new object[] { c.Command });

    [Fact]
    public void Should_list_every_command_of_the_cli_in_the_envelope_table()
    {
        var all = typeof(GlassboxCli)
            .Assembly.GetTypes()
            .Where(t =>
                !t.IsAbstract
                && t.BaseType is { IsGenericType: true } b
                && b.GetGenericTypeDefinition() == typeof(Command<>)
            )
            .ToHashSet();
        Assert.NotEmpty(all);
        Assert.Equal(
            all.OrderBy(t => t.Name, StringComparer.Ordinal),
            Commands.Select(c => c.Type).Distinct().OrderBy(t => t.Name, StringComparer.Ordinal)
        );
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Should_print_exactly_one_schema_valid_envelope(string command)
    {
        var entry = Commands.Single(c => c.Command == command);
        var (code, output, err) = CliHarness.Run(Args(command).Append("--json").ToArray());
        Assert.True(code == 0 || (command == "doctor" && code == 1), err);
        var root = Single(output);
        Assert.True(EnvelopeSchema.Errors(root) is [], string.Join("\n", EnvelopeSchema.Errors(root)));
        Assert.Equal(command, root.GetProperty("command").GetString());
        Assert.Equal(GlassboxRuntime.Version, root.GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("result").ValueKind);
        Assert.False(
            root.GetProperty("result").TryGetProperty("manifest", out _),
            "provenance is written once, beside the result"
        );
        var model = root.GetProperty("model");
        if (entry.Model)
            Assert.False(string.IsNullOrEmpty(model.GetString()), "a model command names its model");
        else
            Assert.Equal(JsonValueKind.Null, model.ValueKind);
    }

    [Fact]
    public void Should_write_result_files_as_envelopes()
    {
        var json = Path.Combine(_dir, "edge.json");
        var (code, _, err) = CliHarness.Run(
            "probe",
            "edge",
            "-m",
            Tiny(),
            "--builtin",
            "--sentences",
            "20",
            "--no-random-model",
            "--no-control",
            "--threads",
            "1",
            "-o",
            json
        );
        Assert.True(code == 0, err);
        var edge = Single(File.ReadAllText(json));
        Assert.Empty(EnvelopeSchema.Errors(edge));
        Assert.Equal("probe edge", edge.GetProperty("command").GetString());
        Assert.Equal(3, edge.GetProperty("result").GetProperty("layers").GetArrayLength()); // embeddings + 2 blocks

        var run = Path.Combine(_dir, "run");
        (code, _, err) = CliHarness.Run(TrainArgs(run));
        Assert.True(code == 0, err);
        foreach (var file in new[] { "train.json", "losses.json" })
        {
            var root = Single(File.ReadAllText(Path.Combine(run, file)));
            Assert.Empty(EnvelopeSchema.Errors(root));
            Assert.Equal("train", root.GetProperty("command").GetString());
        }
        Assert.Equal(
            4,
            Single(File.ReadAllText(Path.Combine(run, "losses.json")))
                .GetProperty("result")
                .GetProperty("loss")
                .GetArrayLength()
        );
    }

    [Fact]
    public void Should_reject_the_shapes_commands_printed_before_the_envelope()
    {
        const string manifest =
            "{\"version\": \"0.1.0\", \"command\": \"ablate\", \"data\": {}, \"options\": {}, \"createdUtc\": \"2026-01-01T00:00:00Z\"}";
        string[] invalid =
        {
            "{\"manifest\": " + manifest + ", \"result\": {}}", // {manifest, result}: no command, model, version
            "{\"tokens\": [], \"nextTokens\": []}", // a bare result
            "{\"command\": \"run\", \"model\": \"m\", \"version\": \"1\", \"manifest\": "
                + manifest
                + ", \"result\": []}", // result not an object
            "{\"command\": \"run\", \"model\": \"m\", \"version\": \"1\", \"manifest\": "
                + manifest
                + ", \"result\": {}, \"extra\": 1}",
            "{\"command\": \"\", \"model\": null, \"version\": \"1\", \"manifest\": " + manifest + ", \"result\": {}}",
        };
        foreach (var text in invalid)
            Assert.NotEmpty(EnvelopeSchema.Errors(Single(text)));
        Assert.Empty(
            EnvelopeSchema.Errors(
                Single(
                    "{\"command\": \"doctor\", \"model\": null, \"version\": \"1\", \"manifest\": "
                        + manifest
                        + ", \"result\": {}}"
                )
            )
        );
    }

    /// <summary>Parses the text as exactly one JSON object (JsonDocument rejects anything after the first value).</summary>
    private static JsonElement Single(string output)
    {
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        return doc.RootElement.Clone();
    }

    private string Tiny() => TinyCliModel.Write(Path.Combine(_dir, "tiny"));

    /// <summary>A saved <c>neurons rank</c> result of the tiny model.</summary>
    private string Ranking()
    {
        var path = Path.Combine(_dir, "ranking.json");
        var (code, _, err) = CliHarness.Run(
            "neurons",
            "rank",
            "-m",
            Tiny(),
            "--data",
            Conllu(),
            "--layer",
            "0",
            "--ks",
            "1",
            "--draws",
            "1",
            "--lm-texts",
            "0",
            "-o",
            path
        );
        Assert.True(code == 0, err);
        return path;
    }

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>A small CoNLL-U file written from template-grammar trees.</summary>
    private string Conllu() =>
        Write(
            "g.conllu",
            TemplateGrammar
                .Sentences(30, 0)
                .SelectMany(g =>
                    g.Parse.Words.Select(w =>
                            string.Join(
                                '\t',
                                w.Id.ToString(CultureInfo.InvariantCulture),
                                w.Form,
                                w.Lemma,
                                w.Upos,
                                Or(w.Xpos),
                                w.Feats.Count == 0
                                    ? "_"
                                    : string.Join(
                                        '|',
                                        w.Feats.OrderBy(f => f.Key, StringComparer.Ordinal)
                                            .Select(f => f.Key + "=" + f.Value)
                                    ),
                                w.Head.ToString(CultureInfo.InvariantCulture),
                                w.Deprel,
                                "_",
                                "_"
                            )
                        )
                        .Prepend("# text = " + g.Parse.Text)
                        .Append("")
                )
        );

    private static string Or(string s) => string.IsNullOrEmpty(s) ? "_" : s;

    private string[] TrainArgs(string run) =>
        new[]
        {
            "train",
            "--out",
            run,
            "--synthetic",
            "--vocab",
            "12",
            "--layers",
            "1",
            "--attn-only",
            "--d-model",
            "16",
            "--heads",
            "2",
            "--ctx",
            "12",
            "--steps",
            "4",
            "--batch",
            "2",
            "--warmup",
            "1",
            "--threads",
            "1",
        };

    private string[] NeuronsArgs(string command)
    {
        var corpus = Write(
            "stories.txt",
            Enumerable
                .Range(0, 6)
                .SelectMany(_ => new[] { "Once upon a time the girl had a dog. The dog was happy.", "<|endoftext|>" })
        );
        string[] common = { "-m", Tiny(), "--corpus", corpus, "--threads", "1", "--resamples", "20" };
        string[] excerpts = { "--max-texts", "6", "--window", "6", "--top", "2", "--random-excerpts", "2" };
        return command switch
        {
            "neurons explain" => new[] { "neurons", "explain", "--unit", "1.3", "--baselines", "1" }
                .Concat(excerpts)
                .Concat(common)
                .ToArray(),
            "neurons score" => new[]
            {
                "neurons",
                "score",
                "--units",
                "1.0-1.2",
                "--results",
                Path.Combine(_dir, "n.json"),
            }
                .Concat(excerpts)
                .Concat(common)
                .ToArray(),
            _ => new[]
            {
                "neurons",
                "sasc",
                "--unit",
                "1.3",
                "--ngrams",
                "40",
                "--top",
                "5",
                "--candidates",
                "2",
                "--texts",
                "4",
            }
                .Concat(common)
                .ToArray(),
        };
    }

    private IEnumerable<string> Args(string command)
    {
        const string ids = "1,5,9,13,2,5,9";
        string[] fast = { "-m", Tiny(), "--no-random-model", "--threads", "1" };
        return command switch
        {
            "models" or "doctor" => new[] { command },
            "info" => new[] { "info", "-m", Tiny() },
            "run" => new[] { "run", "-m", Tiny(), "--token-ids", "1,2,3" },
            "generate" => new[] { "generate", "-m", Tiny(), "--token-ids", "1,2", "-n", "2" },
            "cache" => new[]
            {
                "cache",
                "-m",
                Tiny(),
                "--token-ids",
                "1,2",
                "--out",
                Path.Combine(_dir, "a.safetensors"),
            },
            "export" => new[] { "export", "-m", Tiny(), "--out", Path.Combine(_dir, "exported") },
            "probe pos" or "probe tag" or "probe deprel" => new[]
            {
                "probe",
                command[6..],
                "--data",
                Conllu(),
                "--no-control",
            }.Concat(fast),
            "probe feature" => new[]
            {
                "probe",
                "feature",
                "--feature",
                "Number",
                "--data",
                Conllu(),
                "--no-control",
            }.Concat(fast),
            "probe structural" => new[] { "probe", "structural", "--data", Conllu(), "--epochs", "2" }.Concat(fast),
            "neurons verify" => new[]
            {
                "neurons",
                "verify",
                "-m",
                Tiny(),
                "--data",
                Conllu(),
                "--ranking",
                Ranking(),
                "--ks",
                "1,2",
                "--draws",
                "2",
                "--lm-texts",
                "0",
            },
            "neurons correspond" => new[]
            {
                "neurons",
                "correspond",
                "-m",
                Tiny(),
                "--data",
                Conllu(),
                "--hooks",
                "blocks.*.hook_resid_post",
                "--resamples",
                "10",
            },
            "neurons rank" => new[]
            {
                "neurons",
                "rank",
                "-m",
                Tiny(),
                "--data",
                Conllu(),
                "--layer",
                "0",
                "--ks",
                "1,2",
                "--draws",
                "2",
                "--lm-texts",
                "0",
            },
            "probe minimal-pairs" => new[]
            {
                "probe",
                "minimal-pairs",
                "-m",
                Tiny(),
                "--threads",
                "1",
                "--pairs",
                Write(
                    "p.jsonl",
                    new[]
                    {
                        "{\"good\": \"Lily is happy.\", \"bad\": \"Lily are happy.\", \"phenomenon\": \"agreement\"}",
                    }
                ),
            },
            "probe cloze" => new[]
            {
                "probe",
                "cloze",
                "-m",
                Tiny(),
                "--threads",
                "1",
                "--facts",
                Write(
                    "f.jsonl",
                    new[]
                    {
                        "{\"relation\": \"r\", \"subject\": \"Lily\", \"object\": \"mom\", \"template\": \"[X] went home to her [Y].\"}",
                    }
                ),
            },
            "probe heads" => new[]
            {
                "probe",
                "heads",
                "-m",
                Tiny(),
                "--builtin",
                "--sentences",
                "4",
                "--resamples",
                "10",
                "--threads",
                "1",
            },
            "probe sentence" => new[]
            {
                "probe",
                "sentence",
                "--task",
                "voice",
                "--sentences",
                "30",
                "--no-control",
            }.Concat(fast),
            "probe edge" => new[]
            {
                "probe",
                "edge",
                "--builtin",
                "--sentences",
                "20",
                "--task",
                "span",
                "--no-control",
            }.Concat(fast),
            "probe coref" => new[] { "probe", "coref", "--sentences", "16", "--test-sentences", "8" }.Concat(fast),
            "lens" or "dla" => new[] { command, "-m", Tiny(), "--token-ids", ids, "--target", "#13" },
            "attribute" => new[]
            {
                "attribute",
                "-m",
                Tiny(),
                "--text",
                "the cat",
                "--steps",
                "4",
                "--baseline",
                "zero",
            },
            "heads" => new[] { "heads", "-m", Tiny(), "--block-length", "6", "--sequences", "2" },
            "circuits" => new[] { "circuits", "-m", Tiny(), "--sources", "#3,#4" },
            "ablate" => new[] { "ablate", "-m", Tiny(), "--token-ids", ids, "--ablate", "head:0.1" },
            "neuron" => new[]
            {
                "neuron",
                "-m",
                Tiny(),
                "--neuron",
                "1.17",
                "--max-texts",
                "3",
                "--top-k",
                "2",
                "--threads",
                "1",
                "--corpus",
                Write(
                    "corpus.txt",
                    new[]
                    {
                        "Once upon a time there was a girl.",
                        "<|endoftext|>",
                        "Lily went to the park.",
                        "<|endoftext|>",
                        "Tom had a dog.",
                    }
                ),
            },
            "train" => TrainArgs(Path.Combine(_dir, "train-run")),
            "neurons explain" or "neurons score" or "neurons sasc" => NeuronsArgs(command),
            "induction" => new[] { "induction", "-m", Tiny(), "--sequences", "2", "--segment", "5" },
            "patch" => new[]
            {
                "patch",
                "-m",
                Tiny(),
                "--clean-ids",
                "3,7,11",
                "--corrupted-ids",
                "3,8,11",
                "--answer",
                "#7",
                "--wrong",
                "#8",
                "--threads",
                "1",
            },
            "trace" => new[]
            {
                "trace",
                "-m",
                Tiny(),
                "--text",
                "Lily went home. Lily",
                "--subject",
                "Lily",
                "--samples",
                "2",
                "--threads",
                "1",
            },
            "explain" => new[]
            {
                "explain",
                "-m",
                Tiny(),
                "--no-probes",
                "--no-circuits",
                "--out",
                Path.Combine(_dir, "r.html"),
            },
            "sae train" => SaeTrainArgs(Path.Combine(_dir, "sae")),
            "sae eval" => new[]
            {
                "sae",
                "eval",
                "-m",
                Tiny(),
                "--sae",
                SaeCheckpoint(),
                "--corpus",
                SaeCorpus(),
            }.Concat(new[] { "--eval-texts", "2", "--resamples", "10", "--threads", "1" }),
            "sae collect" => SaeCollectArgs("--out", Path.Combine(_dir, "acts")),
            "patch-set" => new[] { "patch-set", "-m", Tiny(), "--prompts", PatchPrompts(), "--resamples", "10" },
            "patch-set-merge" => PatchSetMergeArgs(),
            "sae collect-merge" => SaeCollectMergeArgs(),
            "neurons harvest" or "neurons top" or "neurons merge" or "neurons check" => StoreArgs(command),
            "probe minimal-pairs-merge" => PairsMergeArgs(),
            "probe cloze-merge" => ClozeMergeArgs(),
            "classify train" => new[]
            {
                "classify",
                "train",
                "-m",
                TinyClassifiers.WriteEncoder(Path.Combine(_dir, "tiny-bert")),
                "--data",
                TinyClassifiers.WriteTsv(Path.Combine(_dir, "sentiment.tsv"), 8),
                "--batch",
                "4",
                "--out",
                Path.Combine(_dir, "classifier"),
                "--threads",
                "1",
            },
            "amplify" => new[]
            {
                "amplify",
                "-m",
                TinyClassifiers.WriteClassifier(Path.Combine(_dir, "tiny-classifier")),
                "--pool",
                TinyClassifiers.WriteTsv(Path.Combine(_dir, "sentiment.tsv"), 8),
                "--tasks",
                TinyClassifiers.WriteTsv(Path.Combine(_dir, "sentiment.tsv"), 8),
                "--steps",
                "4",
                "--shots",
                "2",
                "--prompts",
                Path.Combine(_dir, "amplify-prompts.jsonl"),
                "--threads",
                "1",
            },
            "shortcuts" => new[]
            {
                "shortcuts",
                "-m",
                TinyClassifiers.WriteClassifier(Path.Combine(_dir, "tiny-classifier")),
                "--data",
                TinyClassifiers.WriteTsv(Path.Combine(_dir, "sentiment.tsv"), 8),
                "--steps",
                "4",
                "--min-count",
                "1",
                "--threads",
                "1",
            },
            "classify eval" => new[]
            {
                "classify",
                "eval",
                "-m",
                TinyClassifiers.WriteClassifier(Path.Combine(_dir, "tiny-classifier")),
                "--data",
                TinyClassifiers.WriteTsv(Path.Combine(_dir, "sentiment.tsv"), 8),
                "--threads",
                "1",
            },
            "concepts compose" => new[]
            {
                "concepts",
                "compose",
                "-m",
                Tiny(),
                "--data",
                Conllu(),
                "--layers",
                "0",
                "--units",
                "top:2",
                "--quantile",
                "0.1",
                "--resamples",
                "20",
                "--threads",
                "1",
            },
            // serve runs until Ctrl+C; --check starts it on a free port, prints its address and pages, and stops.
            "serve" => new[] { "serve", "-m", Tiny(), "--port", "0", "--check" },
            "er run" => ErRunArgs(),
            "er test" => new[]
            {
                "er",
                "test",
                "-m",
                TinyClassifiers.WriteClassifier(Path.Combine(_dir, "tiny-classifier")),
                "--max-per-set",
                "4",
                "--plausibility",
                "2",
                "--resamples",
                "10",
                "--threads",
                "1",
            },
            "xmd" => new[]
            {
                "xmd",
                "-m",
                TinyClassifiers.WriteClassifier(Path.Combine(_dir, "tiny-classifier")),
                "--feedback",
                Write("xmd.jsonl", new[] { """{"text": "red", "should_not_matter": ["red"], "scope": "global"}""" }),
                "--data",
                TinyClassifiers.WriteTsv(Path.Combine(_dir, "sentiment.tsv"), 8),
                "--plant",
                "red",
                "--plant-label",
                "positive",
                "--eval",
                Path.Combine(_dir, "sentiment.tsv"),
                "--out",
                Path.Combine(_dir, "xmd"),
                "--threads",
                "1",
            },
            "concepts tcav" => new[]
            {
                "concepts",
                "tcav",
                "-m",
                Tiny(),
                "--threads",
                "1",
                "--target",
                "she,he",
                "--random",
                "3",
                "--examples",
                "8",
                "--concept",
                Write("c.txt", new[] { "happy", "sad", "friend", "mom", "lily", "tom", "ben", "girl", "boy", "dog" }),
                "--inputs",
                Write("tcav-in.txt", new[] { "once upon a time there was a girl", "the dog went home" }),
                "--random-corpus",
                Write(
                    "tcav-corpus.txt",
                    Enumerable
                        .Range(0, 24)
                        .Select(i =>
                            i % 2 == 0
                                ? "the little girl had a dog and a cat in the park"
                                : "one day tom went home to his mom and they were happy"
                        )
                ),
                "--report",
                Path.Combine(_dir, "tcav.html"),
            },
            _ => throw new ArgumentException("no arguments for " + command, nameof(command)),
        };
    }

    private string SaeCorpus() =>
        Write(
            "sae-corpus.txt",
            Enumerable.Range(0, 20).SelectMany(i => new[] { "Lily went to the park and had a dog.", "<|endoftext|>" })
        );

    private string[] SaeTrainArgs(string dir) =>
        new[]
        {
            "sae",
            "train",
            "-m",
            Tiny(),
            "--hook",
            "blocks.1.mlp.hook_post",
            "--corpus",
            SaeCorpus(),
            "--steps",
            "3",
        }
            .Concat(
                new[]
                {
                    "--batch",
                    "8",
                    "--buffer",
                    "32",
                    "--eval-texts",
                    "2",
                    "--resamples",
                    "10",
                    "-o",
                    dir,
                    "--threads",
                    "1",
                }
            )
            .ToArray();

    private string PatchPrompts() =>
        Write(
            "patch-prompts.jsonl",
            [
                "{\"clean\": \"lily went to the park and\", \"corrupted\": \"tom went to the park and\", \"answer\": \"lily\", \"wrong\": \"tom\"}",
                "{\"clean\": \"ben had a dog . one day\", \"corrupted\": \"tom had a dog . one day\", \"answer\": \"ben\", \"wrong\": \"tom\"}",
            ]
        );

    /// <summary>A prompt set swept into parts by one worker; the merge reads them.</summary>
    private string[] PatchSetMergeArgs()
    {
        var parts = Path.Combine(_dir, "patch-parts");
        var (code, _, err) = CliHarness.Run(
            "patch-set",
            "-m",
            Tiny(),
            "--prompts",
            PatchPrompts(),
            "--resamples",
            "10",
            "--parts",
            parts,
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        return new[] { "patch-set-merge", "--parts", parts };
    }

    private string[] SaeCollectArgs(params string[] extra) =>
        new[]
        {
            "sae",
            "collect",
            "-m",
            Tiny(),
            "--hook",
            "blocks.1.mlp.hook_post",
            "--corpus",
            SaeCorpus(),
            "--context",
            "8",
            "--threads",
            "1",
        }
            .Concat(extra)
            .ToArray();

    /// <summary>Activations collected into parts by one worker; the merge writes the cache.</summary>
    private string[] SaeCollectMergeArgs()
    {
        var parts = Path.Combine(_dir, "act-parts");
        var (code, _, err) = CliHarness.Run(SaeCollectArgs("--parts", parts, "--shard", "0/1"));
        Assert.True(code == 0, err);
        return new[] { "sae", "collect-merge", "--parts", parts, "--out", Path.Combine(_dir, "acts-merged") };
    }

    /// <summary>An SAE checkpoint of the tiny model, trained by <c>sae train</c> for <c>sae eval</c>.</summary>
    private string SaeCheckpoint()
    {
        var dir = Path.Combine(_dir, "sae-for-eval");
        var (code, _, err) = CliHarness.Run(SaeTrainArgs(dir));
        Assert.True(code == 0, err);
        return dir;
    }

    /// <summary>Cloze facts ranked into parts by the library; the merge reads them.</summary>
    private string[] ClozeMergeArgs()
    {
        var parts = Path.Combine(_dir, "cloze-parts");
        var facts = new[] { new Glassbox.Data.ClozeFact("r", "Lily", "mom", "[X] went home to her [Y].") };
        using (var m = Glassbox.Loading.ModelLoader.Load(Tiny()))
            Glassbox.Probing.ClozeShards.Score(parts, m, facts, ShardSpec.Single);
        return new[] { "probe", "cloze-merge", "--parts", parts };
    }

    /// <summary>Minimal pairs scored into parts by the library; the merge reads them.</summary>
    private string[] PairsMergeArgs()
    {
        var parts = Path.Combine(_dir, "pair-parts");
        var pairs = new[]
        {
            new Glassbox.Data.MinimalPair("Lily is happy.", "Lily are happy.", "agreement", "agreement"),
        };
        using (var m = Glassbox.Loading.ModelLoader.Load(Tiny()))
            Glassbox.Probing.MinimalPairShards.Score(parts, m, pairs, ShardSpec.Single);
        return new[] { "probe", "minimal-pairs-merge", "--parts", parts };
    }

    /// <summary>Harvest into a store under the temp folder; top reads one harvested by the library first.</summary>
    private string[] StoreArgs(string command)
    {
        var corpus = Write(
            "store-stories.txt",
            new[] { "Lily went to the park.", "Tom had a dog.", "Once upon a time." }
        );
        var store = Path.Combine(_dir, command.Replace(' ', '-') + ".duckdb");
        if (command == "neurons harvest")
            return new[] { "neurons", "harvest", "-m", Tiny(), "--corpus", corpus, "--store", store, "--threads", "1" };
        if (command == "neurons merge")
        {
            var parts = Path.Combine(_dir, "store-parts");
            using (var m = Glassbox.Loading.ModelLoader.Load(Tiny()))
                Glassbox.Neurons.Store.StoreParts.Harvest(parts, m, corpus, ShardSpec.Single);
            return new[] { "neurons", "merge", "--parts", parts, "--store", store };
        }
        using (var m = Glassbox.Loading.ModelLoader.Load(Tiny()))
            Glassbox.Neurons.Store.ActivationStore.Harvest(store, m, corpus);
        return command == "neurons check"
            ? new[] { "neurons", "check", "--store", store }
            : new[] { "neurons", "top", "--store", store, "--unit", "1.17" };
    }

    /// <summary>A one-seed ER run of the tiny encoder with a tiny lexicon.</summary>
    private string[] ErRunArgs()
    {
        var lex = Path.Combine(_dir, "lexicon");
        Directory.CreateDirectory(lex);
        File.WriteAllLines(Path.Combine(lex, "positive-words.txt"), ["good", "great"]);
        File.WriteAllLines(Path.Combine(lex, "negative-words.txt"), ["bad", "awful"]);
        return new[]
        {
            "er",
            "run",
            "-m",
            TinyClassifiers.WriteEncoder(Path.Combine(_dir, "tiny-bert")),
            "--data",
            TinyClassifiers.WriteTsv(Path.Combine(_dir, "sentiment.tsv"), 8),
            "--lexicon",
            lex,
            "--seeds",
            "0",
            "--batch",
            "4",
            "--max-per-set",
            "4",
            "--plausibility",
            "2",
            "--resamples",
            "10",
            "--out",
            Path.Combine(_dir, "er"),
            "--threads",
            "1",
        };
    }
}
