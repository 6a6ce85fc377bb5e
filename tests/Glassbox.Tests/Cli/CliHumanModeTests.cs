using System.Globalization;
using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Loading;
using Glassbox.Tokenization;
using Xunit.Abstractions;

namespace Glassbox.Tests.Cli;

/// <summary>Every command in human mode (tables, not --json) on a tiny causal LM with a byte-level tokenizer, stored
/// under a path full of markup-like text and fed markup-like words: exit code 0, no stack trace, no internal error.</summary>
[Collection("console")]
public sealed partial class CliHumanModeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-human-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A tiny GPT-2 that reads text: 256 byte tokens plus &lt;|endoftext|&gt;, no merges.</summary>
    private string TinyLm()
    {
        var dir = Path.Combine(_dir, "[red]lm[/] [[x]]");
        Directory.CreateDirectory(dir);
        var config = TinyModels.Gpt2 with { DVocab = 257, NCtx = 96 };
        HfExporter.Export(config, TinyModels.RandomWeights(config, 5), dir);
        var bytes = ByteLevelBpeTokenizer.ByteToUnicode();
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => bytes[b].ToString(), b => b);
        vocab["<|endoftext|>"] = 256;
        new ByteLevelBpeTokenizer(vocab, Array.Empty<(string, string)>()).Save(dir);
        return dir;
    }

    /// <summary>Short UD-style sentences: DET NOUN VERB DET NOUN PUNCT, singular and plural, some with a "[X]" word.</summary>
    private string Treebank()
    {
        var f = Path.Combine(_dir, "tiny [X].conllu");
        string[] nouns = { "dog", "cat", "bird", "fox", "cow", "hen" };
        var lines = new List<string>();
        for (int i = 0; i < 24; i++)
        {
            bool plural = i % 2 == 1;
            string n1 = nouns[i % nouns.Length] + (plural ? "s" : ""),
                n2 = i % 3 == 0 ? "[X]" : nouns[(i + 1) % nouns.Length];
            string verb = plural ? "see" : "sees",
                number = plural ? "Plur" : "Sing";
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"# sent_id = s{i}"));
            lines.Add($"1\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\t_");
            lines.Add($"2\t{n1}\t{n1}\tNOUN\t{(plural ? "NNS" : "NN")}\tNumber={number}\t3\tnsubj\t_\t_");
            lines.Add($"3\t{verb}\tsee\tVERB\t{(plural ? "VBP" : "VBZ")}\tNumber={number}\t0\troot\t_\t_");
            lines.Add($"4\ta\ta\tDET\tDT\t_\t5\tdet\t_\t_");
            lines.Add($"5\t{n2}\t{n2}\tNOUN\tNN\tNumber=Sing\t3\tobj\t_\t_");
            lines.Add($"6\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_");
            lines.Add("");
        }
        File.WriteAllLines(f, lines);
        return f;
    }

    private string Jsonl(string name, IEnumerable<object> rows)
    {
        var f = Path.Combine(_dir, name);
        File.WriteAllLines(f, rows.Select(r => JsonSerializer.Serialize(r)));
        return f;
    }

    /// <summary>The commands run in human mode here and in <see cref="CliConsoleTests"/>.</summary>
    private static readonly string[] Covered =
    {
        "models",
        "doctor",
        "info",
        "run",
        "generate",
        "cache",
        "export",
        "lens",
        "dla",
        "heads",
        "circuits",
        "ablate",
        "induction",
        "patch",
        "train",
        "probe pos",
        "probe tag",
        "probe deprel",
        "probe feature",
        "probe structural",
        "probe minimal-pairs",
        "probe cloze",
        "probe heads",
        "probe sentence",
        "probe edge",
        "probe coref",
        "neuron",
        "neurons rank",
        "neurons verify",
        "trace",
        "explain",
        "neurons explain", // these three in Neurons/Explanations/NeuronsCliTests
        "neurons score",
        "neurons sasc",
        "sae train", // Neurons/Sae/SaeCliTests
        "sae eval",
        "patch-set", // Circuits/Patching/PatchSetCliTests
        "patch-set-merge",
        "sae collect", // Neurons/Sae/SaeCollectCliTests
        "sae collect-merge",
        "neurons harvest",
        "neurons top",
        "neurons merge",
        "neurons check", // Neurons/Store/StoreCheckTests
        "probe minimal-pairs-merge", // Probing/MinimalPairShardsTests
        "probe cloze-merge", // Probing/ClozeShardsTests
        "classify train", // Classification/ClassifyCliTests
        "classify eval",
        "concepts compose", // Concepts/Compositional/ConceptsComposeCliTests
        "attribute",
        "serve",
        "concepts tcav", // Concepts/TcavCliTests
        "neurons correspond", // Neurons/Cli/NeuronsCorrespondCliTests
        "shortcuts", // Attribution/ShortcutsCliTests
        "amplify", // Attribution/AmplifyCliTests
        "er run", // Attribution/ErCliTests
        "er test", // Attribution/ErCliTests
        "xmd", // Attribution/ErCliTests
    };

    [Fact]
    public void Should_run_every_command_in_human_mode_in_some_test() =>
        Assert.Equal(
            GlassboxCli.Commands.Select(c => c.Path).Order(StringComparer.Ordinal),
            Covered.Order(StringComparer.Ordinal)
        );

    [Fact]
    public void Should_run_every_text_command_in_human_mode_on_a_tiny_lm_with_markup_like_input()
    {
        var failures = RunAll(HumanRuns());
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The human-mode runs: every text command on the tiny LM, its treebank, pairs, facts and corpus.</summary>
    private List<string[]> HumanRuns()
    {
        var m = TinyLm();
        var ud = Treebank();
        var pairs = Jsonl(
            "pairs [b].jsonl",
            Enumerable
                .Range(0, 6)
                .Select(i => new
                {
                    good = "the dogs see [it]",
                    bad = "the dogs sees [it]",
                    phenomenon = i % 2 == 0 ? "[red]agr" : "agr[/]",
                })
        );
        var facts = Jsonl(
            "facts.jsonl",
            new[] { "Paris", "Rome", "Oslo" }.Select(c => new
            {
                relation = "P[1]",
                subject = c + " [X]",
                @object = "a",
                template = "[X] is in [Y]",
            })
        );
        var corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllText(corpus, "the [red] dog sees a cat.\n<|endoftext|>\nthe [/] birds see [[a fox]].\n");
        var runs = new List<string[]>
        {
            new[] { "run", "-m", m, "--text", "the [red]dog[/] sees" },
            new[] { "lens", "-m", m, "--text", "the [red]dog[/] sees" },
            new[] { "dla", "-m", m, "--text", "the [red]dog[/] sees" },
            new[] { "attribute", "-m", m, "--text", "the [red]dog[/] sees", "--steps", "4" },
            new[] { "probe", "pos", "-m", m, "--data", ud, "--no-random-model", "--no-control" },
            new[] { "probe", "tag", "-m", m, "--data", ud, "--no-random-model", "--no-control" },
            new[] { "probe", "deprel", "-m", m, "--data", ud, "--no-random-model", "--no-control" },
            new[]
            {
                "probe",
                "feature",
                "-m",
                m,
                "--data",
                ud,
                "--feature",
                "Number",
                "--no-random-model",
                "--no-control",
            },
            new[]
            {
                "probe",
                "structural",
                "-m",
                m,
                "--data",
                ud,
                "--sentences",
                "16",
                "--epochs",
                "1",
                "--no-random-model",
            },
            new[] { "probe", "minimal-pairs", "-m", m, "--pairs", pairs },
            new[] { "probe", "cloze", "-m", m, "--facts", facts },
            new[] { "probe", "heads", "-m", m, "--data", ud, "--sentences", "6", "--resamples", "20" },
            new[]
            {
                "probe",
                "sentence",
                "-m",
                m,
                "--task",
                "voice",
                "--sentences",
                "20",
                "--no-random-model",
                "--no-control",
            },
            new[] { "probe", "edge", "-m", m, "--data", ud, "--no-random-model", "--no-control" },
            new[] { "probe", "coref", "-m", m, "--sentences", "24", "--test-sentences", "8", "--no-random-model" },
            new[]
            {
                "neuron",
                "-m",
                m,
                "--neuron",
                "1.5",
                "--corpus",
                corpus,
                "--max-texts",
                "2",
                "--text",
                "the [red] dog",
            },
            new[] { "trace", "-m", m, "--text", "the [red] dog sees", "--subject", "[red] dog", "--samples", "2" },
            new[] { "neurons", "harvest", "-m", m, "--corpus", corpus, "--store", Path.Combine(_dir, "[n].duckdb") },
            new[] { "neurons", "top", "--store", Path.Combine(_dir, "[n].duckdb"), "--unit", "1.5" },
            new[]
            {
                "neurons",
                "harvest",
                "-m",
                m,
                "--corpus",
                corpus,
                "--parts",
                Path.Combine(_dir, "[p]"),
                "--shard",
                "0/1",
            },
            new[]
            {
                "neurons",
                "merge",
                "--parts",
                Path.Combine(_dir, "[p]"),
                "--store",
                Path.Combine(_dir, "[m].duckdb"),
            },
            // serve runs until Ctrl+C; --check starts it on a free port, prints the pages and stops.
            new[] { "serve", "-m", m, "--store", Path.Combine(_dir, "[n].duckdb"), "--port", "0", "--check" },
            new[]
            {
                "neurons",
                "rank",
                "-m",
                m,
                "--data",
                ud,
                "--layer",
                "1",
                "--ks",
                "1,4",
                "--draws",
                "2",
                "--corpus",
                corpus,
                "--lm-texts",
                "2",
            },
            new[]
            {
                "explain",
                "-m",
                m,
                "--text",
                "the [red]dog[/] sees [[a]] cat",
                "--no-probes",
                "--no-circuits",
                "-o",
                Path.Combine(_dir, "[r].html"),
            },
        };
        return runs;
    }

    /// <summary>Runs each command line; returns one line per failure (non-zero exit, stack trace, no output, a head
    /// not written L1H3).</summary>
    private List<string> RunAll(IEnumerable<string[]> runs)
    {
        var failures = new List<string>();
        foreach (var args in runs)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (code, o, e) = CliHarness.Run(args);
            string what = string.Join(' ', args.Where(a => !a.StartsWith(_dir, StringComparison.Ordinal)));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sw.Elapsed.TotalSeconds:F1} s  {what}"));
            if (
                code != 0
                || e.Contains("internal error", StringComparison.Ordinal)
                || (o + e).Contains("   at ", StringComparison.Ordinal)
                || o.Length == 0
            )
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: exit {code}: {e.Trim()}"));
            else if (System.Text.RegularExpressions.Regex.IsMatch(o, @"\bL\d+[-. ]H\d+\b|head:\d+\.\d+"))
                failures.Add($"{what}: a head not written L1H3 in: {o}");
        }
        return failures;
    }

    [Fact]
    public void Should_bound_the_structural_probe_by_sentences_and_epochs()
    {
        var m = TinyLm();
        var ud = Treebank();
        var (code, o, e) = CliHarness.Run(
            "probe",
            "structural",
            "-m",
            m,
            "--data",
            ud,
            "--sentences",
            "8",
            "--epochs",
            "2",
            "--no-random-model",
            "--json"
        );
        Assert.True(code == 0, e);
        using var doc = JsonDocument.Parse(o);
        Assert.Equal(8, Find(doc.RootElement, "trainSentences")!.Value.GetInt32());
        Assert.Equal(2, Find(doc.RootElement, "testSentences")!.Value.GetInt32());
        var epochs = Find(doc.RootElement, "epochs")!.Value;
        Assert.Equal("2", epochs.ValueKind == JsonValueKind.String ? epochs.GetString() : epochs.GetRawText());
        foreach (var bad in new[] { new[] { "--epochs", "0" }, new[] { "--sentences", "-1" } })
        {
            var r = CliHarness.Run(new[] { "probe", "structural", "-m", m, "--data", ud }.Concat(bad).ToArray());
            Assert.True(r.Code == 2, r.Err);
            Assert.Contains(bad[0], r.Err, StringComparison.Ordinal);
        }
    }

    private static JsonElement? Find(JsonElement e, string name)
    {
        if (e.ValueKind == JsonValueKind.Object)
            foreach (var p in e.EnumerateObject())
            {
                if (p.NameEquals(name))
                    return p.Value;
                if (Find(p.Value, name) is { } inner)
                    return inner;
            }
        if (e.ValueKind == JsonValueKind.Array)
            foreach (var x in e.EnumerateArray())
                if (Find(x, name) is { } inner)
                    return inner;
        return null;
    }
}
