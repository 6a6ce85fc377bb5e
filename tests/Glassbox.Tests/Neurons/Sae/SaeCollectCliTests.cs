using System.Text.Json.Nodes;
using Glassbox.Neurons.Sae;
using Glassbox.Tests.Cli;

namespace Glassbox.Tests.Neurons.Sae;

/// <summary><c>glassbox sae collect</c>, <c>sae collect-merge</c> and <c>sae train --activations</c>: help, human mode,
/// two worker processes against one run, training from the cache against training live, and one-line errors.</summary>
[Collection("console")]
public sealed class SaeCollectCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-sae-collect-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Model() => TinyCliModel.Write(Path.Combine(_dir, "tiny"));

    private string Corpus()
    {
        var path = Path.Combine(_dir, "corpus.txt");
        string[] words = { "the little girl went home", "he had a happy dog", "once upon a time there was a cat" };
        File.WriteAllLines(
            path,
            Enumerable
                .Range(0, 40)
                .SelectMany(i => new[] { words[i % 3] + " and " + words[(i + 2) % 3], "<|endoftext|>" })
        );
        return path;
    }

    private string[] Collect(params string[] extra) =>
        new[]
        {
            "sae",
            "collect",
            "-m",
            Model(),
            "--hook",
            "blocks.1.mlp.hook_post",
            "--corpus",
            Corpus(),
            "--context",
            "10",
            "--threads",
            "1",
        }
            .Concat(extra)
            .ToArray();

    private string[] Train(string outDir, params string[] extra) =>
        new[]
        {
            "sae",
            "train",
            "-m",
            Model(),
            "--corpus",
            Corpus(),
            "--context",
            "10",
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
            "-o",
            outDir,
            "--threads",
            "1",
            "--json",
        }
            .Concat(extra)
            .ToArray();

    [Theory]
    [InlineData("collect", "--shard-chunks")]
    [InlineData("collect-merge", "--parts")]
    [InlineData("train", "--activations")]
    public void Should_list_the_options_in_help(string command, string option)
    {
        var (code, o, _) = CliHarness.Run("sae", command, "--help");
        Assert.Equal(0, code);
        Assert.Contains(option, o, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_collect_in_human_mode_and_train_the_same_sae_as_live()
    {
        var cache = Path.Combine(_dir, "cache");
        var (code, o, e) = CliHarness.Run(Collect("--out", cache));
        Assert.True(code == 0, e);
        Assert.Contains("Activation cache of", o, StringComparison.Ordinal);
        Assert.Contains("sae train --activations", o, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(cache, ".parts")));
        var (c1, live, e1) = CliHarness.Run(Train(Path.Combine(_dir, "live"), "--hook", "blocks.1.mlp.hook_post"));
        Assert.True(c1 == 0, e1);
        var (c2, cached, e2) = CliHarness.Run(Train(Path.Combine(_dir, "cached"), "--activations", cache));
        Assert.True(c2 == 0, e2);
        JsonNode Metrics(string json) => JsonNode.Parse(json)!["result"]!["runs"]![0]!["metrics"]!;
        Assert.Equal(Metrics(live).ToJsonString(), Metrics(cached).ToJsonString());
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(_dir, "live", "sae_weights.safetensors")),
            File.ReadAllBytes(Path.Combine(_dir, "cached", "sae_weights.safetensors"))
        );
    }

    [Fact]
    public void Should_merge_two_worker_processes_into_the_single_run_cache()
    {
        var single = Path.Combine(_dir, "single");
        Assert.Equal(0, CliHarness.Run(Collect("--out", single)).Code);
        var parts = Path.Combine(_dir, "parts");
        var workers = Enumerable
            .Range(0, 2)
            .Select(k =>
                CliProcess.Start(
                    Collect(
                        "--parts",
                        parts,
                        "--shard",
                        k.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/2",
                        "--shard-chunks",
                        "1"
                    )
                )
            )
            .ToList();
        foreach (var w in workers)
        {
            var (code, _, err) = CliProcess.Finish(w);
            Assert.True(code == 0, err);
        }
        var (c, o, e) = CliHarness.Run("sae", "collect-merge", "--parts", parts, "--out", Path.Combine(_dir, "merged"));
        Assert.True(c == 0, e);
        Assert.Contains("rows (tokens, BOS left out)", o, StringComparison.Ordinal);
        using var a = CollectedActivations.Open(single);
        using var b = CollectedActivations.Open(Path.Combine(_dir, "merged"));
        Assert.Equal(a.Rows, b.Rows);
        while (a.Epochs == 0)
        {
            using var x = a.Next();
            using var y = b.Next();
            Assert.Equal(x!.data<float>().ToArray(), y!.data<float>().ToArray());
        }
        Assert.Equal(1, b.Epochs);
    }

    [Theory]
    [InlineData("shard-without-parts")]
    [InlineData("out-with-parts")]
    [InlineData("missing-part")]
    [InlineData("no-cache")]
    [InlineData("other-hook")]
    [InlineData("bad-shard-chunks")]
    public void Should_refuse_bad_input_in_one_line(string kind)
    {
        var parts = Path.Combine(_dir, "parts");
        string[] args = kind switch
        {
            "shard-without-parts" => Collect("--shard", "0/2"),
            "out-with-parts" => Collect("--parts", parts, "--out", _dir),
            "missing-part" => MissingPart(parts),
            "no-cache" => Train(Path.Combine(_dir, "t"), "--activations", _dir),
            "other-hook" => OtherHook(),
            "bad-shard-chunks" => Collect("--parts", parts, "--shard-chunks", "0"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var (code, _, err) = CliHarness.Run(args);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        string expected = kind switch
        {
            "shard-without-parts" => "--shard",
            "out-with-parts" => "--out",
            "missing-part" => "missing",
            "no-cache" => "cache.json",
            "other-hook" => "--hook",
            _ => "--shard-chunks",
        };
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    private string[] MissingPart(string parts)
    {
        Assert.Equal(0, CliHarness.Run(Collect("--parts", parts, "--shard", "0/2", "--shard-chunks", "1")).Code);
        return new[] { "sae", "collect-merge", "--parts", parts, "--out", Path.Combine(_dir, "m") };
    }

    private string[] OtherHook()
    {
        var cache = Path.Combine(_dir, "cache");
        Assert.Equal(0, CliHarness.Run(Collect("--out", cache)).Code);
        return Train(Path.Combine(_dir, "t"), "--activations", cache, "--hook", "blocks.0.mlp.hook_post");
    }
}
