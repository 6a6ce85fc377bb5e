using System.Globalization;
using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Data;
using Glassbox.Loading;
using Spectre.Console.Cli;

namespace Glassbox.Tests.Cli;

/// <summary>Every command that takes <c>--json</c> prints exactly one result envelope (docs/json.md) that satisfies
/// docs/json/envelope.schema.json; result files (<c>-o r.json</c>, train.json, losses.json) hold the same envelope.</summary>
[Collection("console")]
public sealed class JsonEnvelopeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-json-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static bool Stories => SharedData.File("stories260K", "stories260K.bin") is not null;

    /// <summary>Each command (as typed after <c>glassbox</c>), the type that runs it, whether it loads a model, and
    /// whether it needs stories260K (or TinyStories) from the shared data.</summary>
    public static readonly (string Command, Type Type, bool Model, bool Shared)[] Commands =
    {
        ("models", typeof(Glassbox.Cli.Commands.ModelsCommand), false, false),
        ("doctor", typeof(Glassbox.Cli.Commands.DoctorCommand), false, false),
        ("info", typeof(Glassbox.Cli.Commands.InfoCommand), true, false),
        ("run", typeof(Glassbox.Cli.Commands.RunCommand), true, false),
        ("generate", typeof(Glassbox.Cli.Commands.GenerateCommand), true, false),
        ("cache", typeof(Glassbox.Cli.Commands.CacheCommand), true, false),
        ("export", typeof(Glassbox.Cli.Commands.ExportCommand), true, false),
        ("probe pos", typeof(Glassbox.Cli.Commands.ProbeWordCommand), true, false),
        ("probe tag", typeof(Glassbox.Cli.Commands.ProbeWordCommand), true, false),
        ("probe deprel", typeof(Glassbox.Cli.Commands.ProbeWordCommand), true, false),
        ("probe feature", typeof(Glassbox.Cli.Commands.ProbeWordCommand), true, false),
        ("probe structural", typeof(Glassbox.Cli.Commands.ProbeStructuralCommand), true, false),
        ("probe minimal-pairs", typeof(Glassbox.Cli.Commands.ProbeMinimalPairsCommand), true, true),
        ("probe cloze", typeof(Glassbox.Cli.Commands.ProbeClozeCommand), true, true),
        ("probe heads", typeof(Glassbox.Cli.Commands.ProbeHeadsCommand), true, false),
        ("probe sentence", typeof(Glassbox.Cli.Commands.ProbeSentenceCommand), true, false),
        ("probe edge", typeof(Glassbox.Cli.Commands.ProbeEdgeCommand), true, false),
        ("probe coref", typeof(Glassbox.Cli.Commands.ProbeCorefCommand), true, false),
        ("lens", typeof(Glassbox.Cli.Commands.LensCommand), true, false),
        ("dla", typeof(Glassbox.Cli.Commands.DlaCommand), true, false),
        ("heads", typeof(Glassbox.Cli.Commands.HeadsCommand), true, false),
        ("circuits", typeof(Glassbox.Cli.Commands.CircuitsCommand), true, false),
        ("neuron", typeof(Glassbox.Cli.Commands.NeuronCommand), true, true),
        ("ablate", typeof(Glassbox.Cli.Commands.AblateCommand), true, false),
        ("train", typeof(Glassbox.Cli.Commands.TrainCommand), true, false),
        ("induction", typeof(Glassbox.Cli.Commands.InductionCommand), true, false),
        ("patch", typeof(Glassbox.Cli.Commands.PatchCommand), true, false),
        ("trace", typeof(Glassbox.Cli.Commands.TraceCommand), true, true),
        ("explain", typeof(Glassbox.Cli.Commands.ExplainCommand), true, false),
    };

    public static IEnumerable<object[]> CommandNames() => Commands.Select(c => new object[] { c.Command });

    [Fact]
    public void Should_list_every_command_of_the_cli_in_the_envelope_table()
    {
        var all = typeof(GlassboxCli).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(Command<>))
            .ToHashSet();
        Assert.NotEmpty(all);
        Assert.Equal(all.OrderBy(t => t.Name, StringComparer.Ordinal), Commands.Select(c => c.Type).Distinct().OrderBy(t => t.Name, StringComparer.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(CommandNames))]
    public void Should_print_exactly_one_schema_valid_envelope(string command)
    {
        var entry = Commands.Single(c => c.Command == command);
        Skip.If(entry.Shared && !Stories, "../shared/data/stories260K is absent");
        Skip.If(command == "neuron" && SharedData.File("tinystories", "tinystories_sample.txt") is null, "../shared/data/tinystories is absent");
        var (code, output, err) = CliHarness.Run(Args(command).Append("--json").ToArray());
        Assert.True(code == 0 || (command == "doctor" && code == 1), err);
        var root = Single(output);
        Assert.Empty(EnvelopeSchema.Errors(root));
        Assert.Equal(command, root.GetProperty("command").GetString());
        Assert.Equal(GlassboxRuntime.Version, root.GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("result").ValueKind);
        var model = root.GetProperty("model");
        if (entry.Model) Assert.False(string.IsNullOrEmpty(model.GetString()), "a model command names its model");
        else Assert.Equal(JsonValueKind.Null, model.ValueKind);
    }

    [Fact]
    public void Should_write_result_files_as_envelopes()
    {
        var json = Path.Combine(_dir, "edge.json");
        var (code, _, err) = CliHarness.Run("probe", "edge", "--builtin", "--sentences", "20", "--no-random-model", "--no-control", "--threads", "1", "-o", json);
        Assert.True(code == 0, err);
        var edge = Single(File.ReadAllText(json));
        Assert.Empty(EnvelopeSchema.Errors(edge));
        Assert.Equal("probe edge", edge.GetProperty("command").GetString());
        Assert.Equal(7, edge.GetProperty("result").GetProperty("layers").GetArrayLength());

        var run = Path.Combine(_dir, "run");
        (code, _, err) = CliHarness.Run(TrainArgs(run));
        Assert.True(code == 0, err);
        foreach (var file in new[] { "train.json", "losses.json" })
        {
            var root = Single(File.ReadAllText(Path.Combine(run, file)));
            Assert.Empty(EnvelopeSchema.Errors(root));
            Assert.Equal("train", root.GetProperty("command").GetString());
        }
        Assert.Equal(4, Single(File.ReadAllText(Path.Combine(run, "losses.json"))).GetProperty("result").GetProperty("loss").GetArrayLength());
    }

    /// <summary>Parses the text as exactly one JSON object (JsonDocument rejects anything after the first value).</summary>
    private static JsonElement Single(string output)
    {
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        return doc.RootElement.Clone();
    }

    private string Tiny()
    {
        var dir = Path.Combine(_dir, "gpt2");
        if (!Directory.Exists(dir)) { Directory.CreateDirectory(dir); HfExporter.Export(TinyModels.Gpt2, TinyModels.RandomWeights(TinyModels.Gpt2), dir); }
        return dir;
    }

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>A small CoNLL-U file written from template-grammar trees.</summary>
    private string Conllu() => Write("g.conllu", TemplateGrammar.Sentences(30, 0).SelectMany(g => g.Parse.Words
        .Select(w => string.Join('\t', w.Id.ToString(CultureInfo.InvariantCulture), w.Form, w.Lemma, w.Upos, Or(w.Xpos),
            w.Feats.Count == 0 ? "_" : string.Join('|', w.Feats.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "=" + f.Value)),
            w.Head.ToString(CultureInfo.InvariantCulture), w.Deprel, "_", "_"))
        .Prepend("# text = " + g.Parse.Text).Append("")));

    private static string Or(string s) => string.IsNullOrEmpty(s) ? "_" : s;

    private string[] TrainArgs(string run) => new[] { "train", "--out", run, "--synthetic", "--vocab", "12", "--layers", "1", "--attn-only", "--d-model", "16",
        "--heads", "2", "--ctx", "12", "--steps", "4", "--batch", "2", "--warmup", "1", "--threads", "1" };

    private IEnumerable<string> Args(string command)
    {
        const string ids = "1,5,9,13,2,5,9";
        string[] fast = { "--no-random-model", "--threads", "1" };
        return command switch
        {
            "models" or "doctor" => new[] { command },
            "info" => new[] { "info", "-m", Tiny() },
            "run" => new[] { "run", "-m", Tiny(), "--token-ids", "1,2,3" },
            "generate" => new[] { "generate", "-m", Tiny(), "--token-ids", "1,2", "-n", "2" },
            "cache" => new[] { "cache", "-m", Tiny(), "--token-ids", "1,2", "--out", Path.Combine(_dir, "a.safetensors") },
            "export" => new[] { "export", "-m", Tiny(), "--out", Path.Combine(_dir, "exported") },
            "probe pos" or "probe tag" or "probe deprel" => new[] { "probe", command[6..], "--data", Conllu(), "--no-control" }.Concat(fast),
            "probe feature" => new[] { "probe", "feature", "--feature", "Number", "--data", Conllu(), "--no-control" }.Concat(fast),
            "probe structural" => new[] { "probe", "structural", "--data", Conllu(), "--epochs", "2" }.Concat(fast),
            "probe minimal-pairs" => new[] { "probe", "minimal-pairs", "-m", "stories260k", "--threads", "1", "--pairs",
                Write("p.jsonl", new[] { "{\"good\": \"Lily is happy.\", \"bad\": \"Lily are happy.\", \"phenomenon\": \"agreement\"}" }) },
            "probe cloze" => new[] { "probe", "cloze", "-m", "stories260k", "--threads", "1", "--facts",
                Write("f.jsonl", new[] { "{\"relation\": \"r\", \"subject\": \"Lily\", \"object\": \"mom\", \"template\": \"[X] went home to her [Y].\"}" }) },
            "probe heads" => new[] { "probe", "heads", "--builtin", "--sentences", "4", "--resamples", "10", "--threads", "1" },
            "probe sentence" => new[] { "probe", "sentence", "--task", "voice", "--sentences", "30", "--no-control" }.Concat(fast),
            "probe edge" => new[] { "probe", "edge", "--builtin", "--sentences", "20", "--task", "span", "--no-control" }.Concat(fast),
            "probe coref" => new[] { "probe", "coref", "--sentences", "16", "--test-sentences", "8" }.Concat(fast),
            "lens" or "dla" => new[] { command, "-m", Tiny(), "--token-ids", ids, "--target", "#13" },
            "heads" => new[] { "heads", "-m", Tiny(), "--block-length", "6", "--sequences", "2" },
            "circuits" => new[] { "circuits", "-m", Tiny(), "--sources", "#3,#4" },
            "ablate" => new[] { "ablate", "-m", Tiny(), "--token-ids", ids, "--ablate", "head:0.1" },
            "neuron" => new[] { "neuron", "--neuron", "2.17", "--max-texts", "3", "--top-k", "2", "--threads", "1" },
            "train" => TrainArgs(Path.Combine(_dir, "train-run")),
            "induction" => new[] { "induction", "-m", Tiny(), "--sequences", "2", "--segment", "5" },
            "patch" => new[] { "patch", "-m", Tiny(), "--clean-ids", "3,7,11", "--corrupted-ids", "3,8,11", "--answer", "#7", "--wrong", "#8", "--threads", "1" },
            "trace" => new[] { "trace", "-m", "stories260k", "--text", "Lily went home. Lily", "--subject", "Lily", "--samples", "2", "--threads", "1" },
            "explain" => new[] { "explain", "-m", Tiny(), "--no-probes", "--no-circuits", "--out", Path.Combine(_dir, "r.html") },
            _ => throw new ArgumentException("no arguments for " + command, nameof(command)),
        };
    }
}
