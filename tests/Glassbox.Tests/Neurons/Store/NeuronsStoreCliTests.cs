using System.Globalization;
using System.Text.Json;
using Glassbox.Data;

namespace Glassbox.Tests.Neurons.Store;

/// <summary><c>neurons harvest</c> and <c>neurons top</c> in human mode, with --json, with --help and on bad input.</summary>
[Collection("console")]
public sealed class NeuronsStoreCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-store-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private (string Model, string Corpus, string Store) Harvest(params string[] extra)
    {
        var model = StoreTestData.ModelDir(Path.Combine(_dir, "tiny"));
        var corpus = StoreTestData.Corpus(
            _dir,
            StoreTestData.Documents(20, 5).Append("the [red] dog [/] saw [[a]] ball")
        );
        var store = Path.Combine(_dir, "s.duckdb");
        var (code, output, err) = CliHarness.Run(
            new[] { "neurons", "harvest", "-m", model, "--corpus", corpus, "--store", store, "--shard-docs", "6" }
                .Concat(extra)
                .ToArray()
        );
        Assert.True(code == 0, err);
        Assert.DoesNotContain("   at ", output + err, StringComparison.Ordinal);
        return (model, corpus, store);
    }

    [Fact]
    public void Should_harvest_and_show_a_unit_in_human_mode()
    {
        var (model, corpus, store) = Harvest();
        var (code, output, err) = CliHarness.Run(
            "neurons",
            "harvest",
            "-m",
            model,
            "--corpus",
            corpus,
            "--store",
            store,
            "--shard-docs",
            "6"
        );
        Assert.True(code == 0, err);
        Assert.Contains("4 resumed, 0 run now", output, StringComparison.Ordinal);
        Assert.Contains("tokens/s", output, StringComparison.Ordinal);
        (code, output, err) = CliHarness.Run("neurons", "top", "--store", store, "--unit", "1.7", "-k", "3");
        Assert.True(code == 0, err);
        Assert.Contains("Histogram", output, StringComparison.Ordinal);
        Assert.Contains("█", output, StringComparison.Ordinal);
        Assert.Contains("⟦", output, StringComparison.Ordinal);
        Assert.Contains("q0.5", output, StringComparison.Ordinal);
        (code, output, err) = CliHarness.Run(
            "neurons",
            "top",
            "--store",
            store,
            "-m",
            model,
            "--unit",
            "blocks.0.mlp.hook_post:3"
        );
        Assert.True(code == 0, err);
    }

    [Fact]
    public void Should_print_json_envelopes_and_export_parquet()
    {
        var pq = Path.Combine(_dir, "pq");
        var (model, _, store) = Harvest("--json", "--parquet", pq, "--top-k", "2");
        Assert.True(File.Exists(Path.Combine(pq, "excerpts.parquet")));
        var (code, output, err) = CliHarness.Run(
            "neurons",
            "top",
            "--store",
            store,
            "--unit",
            "0.63",
            "-k",
            "5",
            "--json"
        );
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal("neurons top", doc.RootElement.GetProperty("command").GetString());
        Assert.Equal("0.63", result.GetProperty("unit").GetString());
        Assert.Equal(2, result.GetProperty("top").GetArrayLength()); // --top-k 2 kept 2 per unit
        var first = result.GetProperty("top")[0];
        var acts = first
            .GetProperty("excerpt")
            .GetProperty("activations")
            .EnumerateArray()
            .Select(a => a.GetSingle())
            .ToList();
        Assert.Equal(acts.Max(), first.GetProperty("max").GetSingle());
        Assert.Equal(acts.IndexOf(acts.Max()), first.GetProperty("maxIndex").GetInt32());
        Assert.True(result.GetProperty("stats").GetProperty("count").GetInt64() > 21);
    }

    [Fact]
    public void Should_reject_bad_input_with_one_line_and_exit_code_2()
    {
        var (model, corpus, store) = Harvest();
        var bad = Path.Combine(_dir, "bad.duckdb");
        File.WriteAllText(bad, "not a database");
        var empty = Path.Combine(_dir, "empty.txt");
        File.WriteAllText(empty, "\n\n");
        foreach (
            var (args, names) in new (string[], string)[]
            {
                (new[] { "neurons", "top", "--store", bad, "--unit", "0.1" }, bad),
                (new[] { "neurons", "top", "--store", store, "--unit", "0.64" }, "--unit"),
                (new[] { "neurons", "top", "--store", store, "--unit", "2.1" }, "--unit"),
                (new[] { "neurons", "top", "--store", store, "-m", "minilm", "--unit", "0.1" }, "-m"),
                (
                    new[] { "neurons", "top", "--store", Path.Combine(_dir, "none.duckdb"), "--unit", "0.1" },
                    "none.duckdb"
                ),
                (
                    new[]
                    {
                        "neurons",
                        "harvest",
                        "-m",
                        model,
                        "--corpus",
                        empty,
                        "--store",
                        Path.Combine(_dir, "e.duckdb"),
                    },
                    empty
                ),
                (new[] { "neurons", "harvest", "-m", model, "--corpus", corpus, "--store", bad }, bad),
                (
                    new[]
                    {
                        "neurons",
                        "harvest",
                        "-m",
                        model,
                        "--corpus",
                        corpus,
                        "--store",
                        store,
                        "--hooks",
                        "blocks.9.nope",
                    },
                    "--hooks"
                ),
                (
                    new[] { "neurons", "harvest", "-m", model, "--corpus", corpus, "--store", store, "--top-k", "0" },
                    "--top-k"
                ),
                (new[] { "neurons", "harvest", "-m", model, "--corpus", corpus, "--shard", "1/2" }, "--shard"),
                (
                    new[] { "neurons", "harvest", "-m", model, "--corpus", corpus, "--parts", _dir, "--shard", "2/2" },
                    "--shard"
                ),
                (
                    new[] { "neurons", "harvest", "-m", model, "--corpus", corpus, "--parts", _dir, "--store", store },
                    "--parts"
                ),
                (new[] { "neurons", "merge", "--parts", Path.Combine(_dir, "none") }, "--parts"),
                (new[] { "neurons", "merge", "--parts", _dir }, "base.duckdb"),
            }
        )
        {
            var (code, _, err) = CliHarness.Run(args);
            Assert.True(
                code == 2,
                string.Create(CultureInfo.InvariantCulture, $"{string.Join(' ', args)}: exit {code}: {err}")
            );
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains(names, err, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(Path.Combine(_dir, "e.duckdb")));
    }

    [Theory]
    [InlineData(
        "harvest",
        "--corpus",
        "--hooks",
        "--store",
        "--top-k",
        "--max-docs",
        "--shard-docs",
        "--batch",
        "--parquet"
    )]
    [InlineData("top", "--unit", "--store", "-k", "--json", "-m")]
    public void Should_list_every_option_in_help(string command, params string[] options)
    {
        var (code, output, _) = CliHarness.Run("neurons", command, "--help");
        Assert.Equal(0, code);
        foreach (var o in options)
            Assert.Contains(o, output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Should_harvest_tinystories_through_stories260k()
    {
        Skip.If(
            SharedData.File("stories260K", "stories260K.bin") is null
                || SharedData.File("tinystories", "tinystories_sample.txt") is null,
            "needs ../shared/data (stories260K and the TinyStories sample)"
        );
        var store = Path.Combine(_dir, "stories.duckdb");
        var (code, output, err) = CliHarness.Run(
            "neurons",
            "harvest",
            "-m",
            "stories260k",
            "--max-docs",
            "12",
            "--shard-docs",
            "5",
            "--store",
            store,
            "--json"
        );
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal(5 * 172, result.GetProperty("units").GetInt32());
        Assert.Equal(3, result.GetProperty("shards").GetInt32());
        (code, output, err) = CliHarness.Run(
            "neurons",
            "top",
            "-m",
            "stories260k",
            "--store",
            store,
            "--unit",
            "3.17",
            "--json"
        );
        Assert.True(code == 0, err);
        using var top = JsonDocument.Parse(output);
        var r = top.RootElement.GetProperty("result");
        Assert.Equal(10, r.GetProperty("top").GetArrayLength());
        Assert.True(r.GetProperty("stats").GetProperty("count").GetInt64() > 1000);
        var tokens = r.GetProperty("top")[0]
            .GetProperty("excerpt")
            .GetProperty("tokens")
            .EnumerateArray()
            .Select(t => t.GetString())
            .ToList();
        Assert.True(tokens.Count is > 1 and <= 41);
    }
}
