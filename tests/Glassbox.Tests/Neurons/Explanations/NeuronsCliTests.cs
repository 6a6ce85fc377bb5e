using System.Text.Json;
using Glassbox.Hooks;

namespace Glassbox.Tests.Neurons.Explanations;

/// <summary>The three neurons commands on the planted model: human mode, --json, resume, and an unreachable LLM.</summary>
[Collection("console")]
public sealed class NeuronsCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-neurons-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly string Dog = HookPoints.Embed.Name() + ":0";

    private string[] Common(params string[] args) =>
        args.Concat(
                new[]
                {
                    "-m",
                    NeuronsTestData.Save(Path.Combine(_dir, "planted [x]")),
                    "--corpus",
                    NeuronsTestData.CorpusFile(_dir),
                    "--threads",
                    "1",
                    "--resamples",
                    "100",
                }
            )
            .ToArray();

    private static readonly string[] Small =
    {
        "--max-texts",
        "60",
        "--window",
        "8",
        "--top",
        "5",
        "--random-excerpts",
        "5",
    };

    [Fact]
    public void Should_explain_the_planted_unit_in_human_mode_and_as_json()
    {
        var r = CliHarness.Run(
            Common(new[] { "neurons", "explain", "--unit", Dog, "--baselines", "2" }.Concat(Small).ToArray())
        );
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("fires on tokens: 'dog'", r.Out, StringComparison.Ordinal);
        Assert.Contains("shuffled baseline", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Out + r.Err, StringComparison.Ordinal);
        r = CliHarness.Run(Common(new[] { "neurons", "explain", "--unit", Dog, "--json" }.Concat(Small).ToArray()));
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal("neurons explain", doc.RootElement.GetProperty("command").GetString());
        Assert.True(result.GetProperty("score").GetProperty("value").GetDouble() > 0.95);
        Assert.Equal(3, result.GetProperty("baselineFrom").GetArrayLength());
    }

    [Fact]
    public void Should_score_units_into_a_results_file_and_resume_from_it()
    {
        string results = Path.Combine(_dir, "scores.json");
        var args = Common(
            new[] { "neurons", "score", "--units", HookPoints.Embed.Name() + ":0-3", "--results", results }
                .Concat(Small)
                .ToArray()
        );
        var r = CliHarness.Run(args);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("mean score − baseline", r.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(results));
        var json = CliHarness.Run(args.Append("--json").ToArray());
        Assert.True(json.Code == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal(4, result.GetProperty("units").GetArrayLength());
        Assert.True(result.GetProperty("meanDifference").GetProperty("value").GetDouble() > 0);
        var bad = CliHarness.Run(Common("neurons", "score", "--units", "9.0-9.3"));
        Assert.Equal(2, bad.Code);
        Assert.Contains("--units", bad.Err, StringComparison.Ordinal);
        Assert.Equal(2, CliHarness.Run(Common("neurons", "score", "--random", "3")).Code); // --random needs --layer
    }

    [Fact]
    public void Should_run_sasc_in_human_mode_and_as_json()
    {
        var args = Common("neurons", "sasc", "--unit", Dog, "--ngrams", "300", "--top", "60", "--texts", "8");
        var r = CliHarness.Run(args);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("Candidate explanations", r.Out, StringComparison.Ordinal);
        var json = CliHarness.Run(args.Append("--json").ToArray());
        Assert.True(json.Code == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        var best = doc.RootElement.GetProperty("result").GetProperty("result").GetProperty("candidates")[0];
        Assert.True(best.GetProperty("score").GetProperty("lower").GetDouble() > 0);
        Assert.StartsWith("n-grams with 'dog'", best.GetProperty("explanation").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_exit_2_with_one_line_when_the_llm_endpoint_is_unreachable()
    {
        var settings = Path.Combine(_dir, "llm.json");
        File.WriteAllText(
            settings,
            "{\"endpoint\": \"http://127.0.0.1:9/v1\", \"model\": \"m\", \"maxRetries\": 0, \"timeoutSeconds\": 10}"
        );
        var r = CliHarness.Run(
            Common(
                new[]
                {
                    "neurons",
                    "explain",
                    "--unit",
                    Dog,
                    "--llm",
                    "chat",
                    "--llm-settings",
                    settings,
                    "--llm-cache",
                    Path.Combine(_dir, "cache"),
                }
                    .Concat(Small)
                    .ToArray()
            )
        );
        Assert.Equal(2, r.Code);
        var lines = r.Err.Trim().Split('\n'); // progress lines may come first on a slow machine
        Assert.StartsWith("error: LLM endpoint http://127.0.0.1:9/v1", lines[^1], StringComparison.Ordinal);
        Assert.Single(lines, l => l.StartsWith("error", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", r.Err, StringComparison.Ordinal);
        Assert.Equal(2, CliHarness.Run(Common("neurons", "explain", "--unit", Dog, "--llm", "gpt")).Code);
    }
}
