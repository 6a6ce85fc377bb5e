using System.Text.Json;
using Glassbox.Classification;

namespace Glassbox.Tests.Attribution;

public sealed class AttributeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gb-attr-" + Guid.NewGuid().ToString("N"));

    public AttributeCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Classifier()
    {
        var dir = Path.Combine(_dir, "clf");
        using var c = TinyClassifiers.Create(ClassifierPooling.Cls, seed: 2);
        ClassifierCheckpoint.Save(c, dir);
        return dir;
    }

    [Fact]
    public void Should_attribute_a_classifier_in_human_mode_and_write_a_coloured_report()
    {
        var m = Classifier();
        var report = Path.Combine(_dir, "r.html");
        var (code, o, e) = CliHarness.Run(
            "attribute",
            "-m",
            m,
            "--text",
            "the film was [red]good[/] .",
            "--target",
            "positive",
            "--steps",
            "16",
            "--report",
            report
        );
        Assert.True(code == 0, e);
        Assert.Contains("completeness error", o, StringComparison.Ordinal);
        Assert.Contains("logit[positive]", o, StringComparison.Ordinal);
        var html = File.ReadAllText(report);
        Assert.Contains("linearGradient", html, StringComparison.Ordinal);
        Assert.Contains("background:#", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ig")]
    [InlineData("gradxinput")]
    [InlineData("occlusion")]
    [InlineData("rollout")]
    [InlineData("flow")]
    public void Should_print_one_json_envelope_for_every_method(string method)
    {
        var m = Classifier();
        var (code, o, e) = CliHarness.Run(
            "attribute",
            "-m",
            m,
            "--text",
            "it was very bad",
            "--method",
            method,
            "--steps",
            "8",
            "--json"
        );
        Assert.True(code == 0, e);
        using var doc = JsonDocument.Parse(o);
        Assert.Equal("attribute", doc.RootElement.GetProperty("command").GetString());
        Assert.Equal(method, doc.RootElement.GetProperty("result").GetProperty("method").GetString());
    }

    [Theory]
    [InlineData("--target", "neutral", "neutral")]
    [InlineData("--steps", "0", "--steps")]
    [InlineData("--method", "lime", "--method")]
    [InlineData("--baseline", "noise", "--baseline")]
    [InlineData("--text", " ", "--text")]
    public void Should_fail_with_one_line_and_exit_2_on_bad_input(string option, string value, string named)
    {
        var m = Classifier();
        var args =
            option == "--text"
                ? new[] { "attribute", "-m", m, "--text", value }
                : new[] { "attribute", "-m", m, "--text", "good fun", option, value };
        var (code, _, e) = CliHarness.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(named, e, StringComparison.Ordinal);
        Assert.Single(e.Trim().Split('\n'));
    }

    [Fact]
    public void Should_fail_on_an_empty_data_file()
    {
        var data = Path.Combine(_dir, "empty.tsv");
        File.WriteAllText(data, "sentence\tlabel\n");
        var (code, _, e) = CliHarness.Run("attribute", "-m", Classifier(), "--data", data);
        Assert.Equal(2, code);
        Assert.Contains("no sentences", e, StringComparison.Ordinal);
    }
}
