using System.Text.Json;
using System.Text.Json.Nodes;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Neurons.Sae;

/// <summary><c>glassbox sae train</c> and <c>sae eval</c> on a tiny word-level GPT-2 and a small corpus written by the
/// test: help, human and --json output, the checkpoint layout, and one-line exit-code-2 errors for bad input.</summary>
[Collection("console")]
public sealed class SaeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-sae-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Model() => TinyCliModel.Write(Path.Combine(_dir, "tiny"));

    private string Corpus()
    {
        var path = Path.Combine(_dir, "corpus.txt");
        string[] words = { "the little girl went home", "he had a happy dog", "once upon a time there was a cat" };
        File.WriteAllLines(
            path,
            Enumerable
                .Range(0, 30)
                .SelectMany(i => new[] { words[i % 3] + " and " + words[(i + 1) % 3] + " .", "<|endoftext|>" })
        );
        return path;
    }

    private string[] Train(string model, string corpus, string outDir, string l1, params string[] extra) =>
        new[]
        {
            "sae",
            "train",
            "-m",
            model,
            "--hook",
            "blocks.1.mlp.hook_post",
            "--corpus",
            corpus,
            "--steps",
            "6",
            "--batch",
            "16",
            "--buffer",
            "64",
            "--eval-texts",
            "3",
            "--resamples",
            "20",
            "--l1",
            l1,
            "-o",
            outDir,
            "--threads",
            "1",
        }
            .Concat(extra)
            .ToArray();

    [Theory]
    [InlineData("train", "--l1-warmup")]
    [InlineData("eval", "--sae")]
    public void Should_list_the_options_in_help(string command, string option)
    {
        var (code, o, _) = CliHarness.Run("sae", command, "--help");
        Assert.Equal(0, code);
        Assert.Contains(option, o, StringComparison.Ordinal);
        Assert.Contains("--corpus", o, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_train_a_sweep_and_evaluate_a_checkpoint_in_human_and_json_mode()
    {
        string m = Model(),
            c = Corpus(),
            outDir = Path.Combine(_dir, "sweep");
        var (code, o, e) = CliHarness.Run(Train(m, c, outDir, "0.5,2"));
        Assert.True(code == 0, e);
        Assert.Contains("SAEs on", o, StringComparison.Ordinal);
        foreach (var sub in new[] { "l1_0.5", "l1_2" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, sub, "cfg.json")));
            Assert.True(File.Exists(Path.Combine(outDir, sub, "sae_weights.safetensors")));
        }
        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);

        (code, o, e) = CliHarness.Run(Train(m, c, Path.Combine(_dir, "one"), "1", "--json", "--resample-every", "3"));
        Assert.True(code == 0, e);
        using (var doc = JsonDocument.Parse(o))
        {
            var result = doc.RootElement.GetProperty("result");
            Assert.Equal("sae train", doc.RootElement.GetProperty("command").GetString());
            Assert.Equal(256, result.GetProperty("dSae").GetInt32());
            var run = result.GetProperty("runs")[0];
            Assert.True(
                run.GetProperty("metrics").GetProperty("lossRecovered").GetProperty("value").ValueKind
                    == JsonValueKind.Number
            );
            Assert.True(run.GetProperty("train").GetProperty("stepsPerSecond").GetDouble() > 0);
        }

        string sae = Path.Combine(outDir, "l1_2");
        var evalArgs = new[]
        {
            "sae",
            "eval",
            "-m",
            m,
            "--sae",
            sae,
            "--corpus",
            c,
            "--eval-texts",
            "3",
            "--resamples",
            "20",
            "--threads",
            "1",
        };
        (code, o, e) = CliHarness.Run(evalArgs);
        Assert.True(code == 0, e);
        Assert.Contains("explained variance", o, StringComparison.Ordinal);
        Assert.Contains("dead features", o, StringComparison.Ordinal);
        (code, o, e) = CliHarness.Run(evalArgs.Append("--json").ToArray());
        Assert.True(code == 0, e);
        using (var doc = JsonDocument.Parse(o))
        {
            var metrics = doc.RootElement.GetProperty("result").GetProperty("metrics");
            Assert.Equal(3, metrics.GetProperty("sequences").GetInt32());
            Assert.True(metrics.GetProperty("l0").GetProperty("value").GetDouble() >= 0);
        }
    }

    private static void AssertBadInput((int Code, string Out, string Err) r, string fragment)
    {
        Assert.True(r.Code == 2, FormattableString.Invariant($"exit {r.Code}: {r.Err}"));
        Assert.Contains(fragment, r.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_fail_with_one_line_and_exit_code_2_on_bad_input()
    {
        string m = Model(),
            c = Corpus(),
            good = Path.Combine(_dir, "good");
        Assert.Equal(0, CliHarness.Run(Train(m, c, good, "1")).Code);
        var unknown = Train(m, c, Path.Combine(_dir, "x"), "1");
        unknown[5] = "blocks.9.mlp.hook_post";
        AssertBadInput(CliHarness.Run(unknown), "unknown hook name");
        var noUnits = Train(m, c, Path.Combine(_dir, "x"), "1");
        noUnits[5] = "blocks.1.attn.hook_pattern";
        AssertBadInput(CliHarness.Run(noUnits), "[batch, pos, units]");
        AssertBadInput(CliHarness.Run(Train(m, c, Path.Combine(_dir, "x"), "0.1,abc")), "--l1: 'abc'");
        AssertBadInput(CliHarness.Run(Train(m, c, Path.Combine(_dir, "x"), "1", "--penalty", "l2")), "--penalty");

        string[] Eval(string dir) =>
            new[] { "sae", "eval", "-m", m, "--sae", dir, "--corpus", c, "--eval-texts", "2", "--resamples", "0" };
        AssertBadInput(CliHarness.Run(Eval(Path.Combine(_dir, "missing"))), "no such SAE checkpoint folder");

        string wide = Copy(good, "wide");
        Edit(wide, o => o["hook_name"] = "blocks.1.hook_resid_post");
        AssertBadInput(CliHarness.Run(Eval(wide)), "d_in is 64");
        string other = Copy(good, "other");
        Edit(other, o => o["model_name"] = "stories260K");
        AssertBadInput(CliHarness.Run(Eval(other)), "model_name");
        string corrupt = Copy(good, "corrupt");
        File.WriteAllBytes(Path.Combine(corrupt, "sae_weights.safetensors"), new byte[] { 1, 2, 3 });
        AssertBadInput(CliHarness.Run(Eval(corrupt)), "sae_weights.safetensors");
    }

    private string Copy(string from, string name)
    {
        var to = Path.Combine(_dir, name);
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        return to;
    }

    private static void Edit(string dir, Action<JsonObject> edit)
    {
        var path = Path.Combine(dir, "cfg.json");
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(o);
        File.WriteAllText(path, o.ToJsonString());
    }

    [SkippableFact]
    public void Should_train_a_useful_sae_on_stories260k_in_a_short_run()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        Skip.If(
            SharedData.File("tinystories", "tinystories_sample.txt") is null,
            "../shared/data/tinystories is absent"
        );
        var (code, o, e) = CliHarness.Run(
            "sae",
            "train",
            "-m",
            "stories260k",
            "--hook",
            "blocks.2.mlp.hook_post",
            "--steps",
            "60",
            "--batch",
            "256",
            "--buffer",
            "2048",
            "--eval-texts",
            "20",
            "--resamples",
            "100",
            "--l1",
            "1",
            "-o",
            Path.Combine(_dir, "s"),
            "--json"
        );
        Assert.True(code == 0, e);
        using var doc = JsonDocument.Parse(o);
        var m = doc.RootElement.GetProperty("result").GetProperty("runs")[0].GetProperty("metrics");
        double clean = m.GetProperty("ceClean").GetDouble(),
            zero = m.GetProperty("ceZero").GetDouble(),
            recovered = m.GetProperty("lossRecovered").GetProperty("value").GetDouble();
        Assert.True(
            zero > clean,
            FormattableString.Invariant($"zero-ablation CE {zero} should exceed clean CE {clean}")
        );
        Assert.InRange(recovered, 0.3, 1.05);
        Assert.InRange(m.GetProperty("explainedVariance").GetProperty("value").GetDouble(), 0.2, 1.0);
    }
}
