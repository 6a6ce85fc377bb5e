using System.Text.Json;

namespace Glassbox.Tests.Attribution;

/// <summary><c>glassbox shortcuts</c> as a person runs it on a tiny classifier directory: human mode, --json with a
/// trigger planted and checked, and one-line errors.</summary>
[Collection("console")]
public sealed class ShortcutsCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-shortcuts-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string[] Args(params string[] extra) =>
        new[]
        {
            "shortcuts",
            "-m",
            TinyClassifiers.WriteClassifier(Path.Combine(_dir, "[clf]")),
            "--data",
            TinyClassifiers.WriteTsv(Path.Combine(_dir, "data.tsv"), 24),
            "--steps",
            "4",
            "--min-count",
            "2",
            "--resamples",
            "50",
            "--threads",
            "1",
        }
            .Concat(extra)
            .ToArray();

    [Fact]
    public void Should_mine_in_human_mode_and_check_a_planted_trigger_as_json()
    {
        var report = Path.Combine(_dir, "s.html");
        var (code, output, err) = CliHarness.Run(Args("--top", "5", "--report", report));
        Assert.True(code == 0, err);
        Assert.Contains("Shortcut mining", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.Contains("<svg", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.Contains("Tokens the model relies on", output, StringComparison.Ordinal);
        Assert.Contains("skewed to", output, StringComparison.Ordinal);
        (code, output, err) = CliHarness.Run(
            Args("--trigger", "red", "--trigger-label", "positive", "--plant-rate", "1", "--json")
        );
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement.GetProperty("result");
        Assert.Equal("ig", r.GetProperty("method").GetString());
        Assert.Equal(12, r.GetProperty("counter").GetProperty("with").GetProperty("count").GetInt32());
        Assert.Contains("planted in 12", r.GetProperty("data").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadInput =>
        new()
        {
            { new[] { "--method", "occlusion" }, "--method" },
            { new[] { "--trigger", "red" }, "--trigger-label" },
            { new[] { "--trigger", "red", "--trigger-label", "neutral" }, "--trigger-label" },
            { new[] { "--plant-rate", "0.5" }, "--plant-rate" },
            { new[] { "--min-count", "0" }, "--min-count" },
            { new[] { "--max-texts", "0" }, "--max-texts" },
            { new[] { "--split", "test" }, "--split" },
            { new[] { "--steps", "1" }, "--steps" },
        };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Should_refuse_bad_options_with_one_line(string[] extra, string names)
    {
        var (code, _, err) = CliHarness.Run(Args(extra));
        Assert.Equal(2, code);
        Assert.Contains(names, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Should_refuse_a_model_that_is_not_a_classifier()
    {
        var (code, _, err) = CliHarness.Run("shortcuts", "-m", _dir, "--data", "sst2");
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
    }
}
