using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Data;

namespace Glassbox.Tests.Probing;

[Collection("console")]
public sealed class ProbeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-probe-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void Should_exit_2_naming_the_line_of_a_malformed_pairs_file()
    {
        var f = Path.Combine(_dir, "pairs.jsonl");
        File.WriteAllLines(
            f,
            new[] { "{\"good\": \"a\", \"bad\": \"b\", \"phenomenon\": \"x\"}", "{\"good\": \"a\"}" }
        );
        var (code, _, err) = Cli("probe", "minimal-pairs", "--pairs", f, "--json");
        Assert.Equal(2, code);
        Assert.Contains("pairs.jsonl:2", err);
        Assert.Equal(2, Cli("probe", "minimal-pairs", "--json").Code);
    }

    [Fact]
    public void Should_exit_2_when_the_builtin_upos_sample_is_asked_for_another_task_or_with_a_file()
    {
        var (code, _, err) = Cli("probe", "tag", "--builtin", "--json");
        Assert.Equal(2, code);
        Assert.Contains("UPOS only", err);
        Assert.Equal(2, Cli("probe", "pos", "--builtin", "--data", "x.conllu", "--json").Code);
        Assert.Equal(2, Cli("probe", "pos", "--builtin", "--sentences", "1", "--json").Code);
    }

    [SkippableFact]
    public void Should_print_minimal_pair_results_and_write_a_report_with_stories260k()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        var f = Path.Combine(_dir, "pairs.jsonl");
        File.WriteAllLines(
            f,
            MinimalPairScorerTests
                .AgreementPairsForStories()
                .Take(12)
                .Select(p =>
                    JsonSerializer.Serialize(
                        new
                        {
                            good = p.Good,
                            bad = p.Bad,
                            phenomenon = p.Phenomenon,
                        }
                    )
                )
        );
        var report = Path.Combine(_dir, "r.html");
        var (code, output, err) = Cli(
            "probe",
            "minimal-pairs",
            "-m",
            "stories260k",
            "--pairs",
            f,
            "--json",
            "--report",
            report,
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        Assert.True(
            output.TrimStart().StartsWith("{", StringComparison.Ordinal),
            output[..Math.Min(300, output.Length)]
        );
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(12, doc.RootElement.GetProperty("result").GetProperty("count").GetInt32());
        Assert.Equal("probe minimal-pairs", doc.RootElement.GetProperty("manifest").GetProperty("command").GetString());
        Assert.Equal(12, doc.RootElement.GetProperty("result").GetProperty("pairs").GetArrayLength());
        var html = File.ReadAllText(report);
        Assert.Contains("<svg", html);
        Assert.Contains("stroke-dasharray", html);
    }
}
