using System.Text.Json;
using Glassbox.Circuits.Detectors;
using Glassbox.Loading;
using Glassbox.Tokenization;
using Spectre.Console;

namespace Glassbox.Tests.Tokenization;

/// <summary>Token labels in every view show a visible leading-space marker and are never blank.</summary>
[Collection("console")]
public sealed class TokenDisplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-tokdisplay-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData(" world", "·world")]
    [InlineData("world", "world")]
    [InlineData("##ing", "##ing")]
    [InlineData("\u2581the", "·the")] // SentencePiece's space marker
    [InlineData("  x", "··x")]
    [InlineData(" ", "·")]
    [InlineData("\n", "⏎")]
    [InlineData("\n\n", "⏎⏎")]
    [InlineData("\t", "⇥")]
    [InlineData("\r\n", "↵⏎")]
    [InlineData("a b", "a␣b")]
    [InlineData("end ", "end␣")]
    [InlineData("\u00a0", "␣")] // no-break space
    [InlineData("\u0001", "\u2401")] // control picture
    [InlineData("", "∅")]
    [InlineData(null, "∅")]
    [InlineData("Ġozo", "Ġozo")] // a real letter, not GPT-2's undecoded space
    public void Should_show_leading_spaces_and_whitespace_visibly_and_never_a_blank_label(string? token, string label)
    {
        Assert.Equal(label, TokenDisplay.Label(token));
        Assert.False(string.IsNullOrWhiteSpace(TokenDisplay.Label(token)));
    }

    [Fact]
    public void Should_mark_tokens_in_attention_heatmaps_and_the_interactive_view()
    {
        var tokens = new[] { "The", " cat", "\n", "" };
        var pattern = new float[4, 4];
        for (int q = 0; q < 4; q++)
        for (int k = 0; k <= q; k++)
            pattern[q, k] = 1f / (q + 1);
        var svg = AttentionView.HeatmapSvg(tokens, pattern, "L0H0");
        foreach (var label in new[] { "0:The", "1:·cat", "2:⏎", "3:∅" })
            Assert.Contains($">{label}</text>", svg);
        var view = AttentionView.InteractiveHtml(tokens, new[] { new[] { pattern } });
        Assert.Contains(">·cat</span>", view);
        Assert.Contains(">∅</span>", view);
    }

    /// <summary>A tiny GPT-2 with a byte-level BPE vocabulary in which " world" is one token.</summary>
    private string TinyBpeModel()
    {
        var c = TinyModels.Gpt2;
        HfExporter.Export(c, TinyModels.RandomWeights(c), _dir);
        TinyBpe.WriteFiles(_dir);
        return _dir;
    }

    [Fact]
    public void Should_mark_leading_spaces_in_the_console_and_in_reports_but_keep_raw_tokens_in_json()
    {
        var model = TinyBpeModel();
        // Human mode: GlassboxCli.Run binds the console to the captured stdout.
        var (code, output, err) = CliHarness.Run("run", "-m", model, "--text", "hello world");
        Assert.True(code == 0, err);
        Assert.Contains("hello ·world", output, StringComparison.Ordinal);

        (code, output, err) = CliHarness.Run("run", "-m", model, "--text", "hello world", "--json");
        Assert.True(code == 0, err);
        Assert.Contains("\" world\"", output);

        var file = Path.Combine(_dir, "lens.html");
        (code, _, err) = CliHarness.Run("lens", "-m", model, "--text", "hello world", "--out", file);
        Assert.True(code == 0, err);
        Assert.Contains("1:·world", File.ReadAllText(file));
    }
}
