using System.Text.Json;
using Glassbox.Cli;

namespace Glassbox.Tests.Probing.Heads;

[Collection("console")]
public sealed class ProbeHeadsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-heads-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void Should_analyse_minilm_heads_on_built_in_sentences_and_write_a_report()
    {
        var report = Path.Combine(_dir, "heads.html");
        var (code, output, err) = Cli(
            "probe",
            "heads",
            "--builtin",
            "--sentences",
            "6",
            "--resamples",
            "20",
            "--json",
            "--out",
            report,
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal("probe heads", doc.RootElement.GetProperty("manifest").GetProperty("command").GetString());
        Assert.Equal(6, result.GetProperty("statistics").GetProperty("toFirst").GetArrayLength()); // 6 layers
        Assert.Equal(12, result.GetProperty("statistics").GetProperty("toFirst")[0].GetArrayLength()); // 12 heads
        var rels = result.GetProperty("dependencies").GetProperty("relations");
        Assert.Equal(9, rels.GetArrayLength());
        Assert.True(rels[0].GetProperty("count").GetInt32() > 0); // nsubj occurs in every template sentence
        var html = File.ReadAllText(report);
        Assert.Contains("<svg", html);
        Assert.Contains("Dependency heads", html);
        Assert.Contains("rollout", html);
    }

    [Theory]
    [InlineData("--relations", "nsubj,subject")]
    [InlineData("--sentences", "0")]
    public void Should_exit_2_on_bad_arguments(string option, string value)
    {
        var (code, _, err) = Cli("probe", "heads", "--builtin", option, value, "--json");
        Assert.Equal(2, code);
        Assert.Contains(option, err);
    }
}
