using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Loading;
using Glassbox.Models;

namespace Glassbox.Tests.Cli;

[Collection("console")]
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    private string TinyGpt2Dir()
    {
        var c = TinyModels.Gpt2;
        var dir = Path.Combine(_dir, "gpt2");
        Directory.CreateDirectory(dir);
        HfExporter.Export(c, TinyModels.RandomWeights(c), dir);
        return dir;
    }

    [Fact]
    public void Should_list_models_as_json()
    {
        var (code, output, _) = Cli("models", "--json");
        Assert.Equal(0, code);
        Assert.Contains("minilm", output);
        using var _ = JsonDocument.Parse(output);
    }

    [Fact]
    public void Should_cache_chosen_hooks_and_the_output_of_a_hf_directory_model()
    {
        var dir = TinyGpt2Dir();
        var file = Path.Combine(_dir, "acts.safetensors");
        var (code, _, err) = Cli(
            "cache",
            "--model",
            dir,
            "--token-ids",
            "1,2,3,4",
            "--hooks",
            "blocks.*.hook_resid_post,blocks.0.attn.hook_pattern",
            "--out",
            file,
            "--json"
        );
        Assert.True(code == 0, err);
        using var st = SafetensorsFile.Open(file);
        var names = st.Entries.Select(e => e.Name).ToHashSet();
        Assert.Equal(
            new HashSet<string>
            {
                "blocks.0.hook_resid_post",
                "blocks.1.hook_resid_post",
                "blocks.0.attn.hook_pattern",
                "output",
            },
            names
        );
        using var output = st.ReadTensor("output");
        Assert.Equal(new long[] { 1, 4, 50 }, output.shape);
        Assert.Contains("glassbox_manifest", st.Metadata.Keys);
    }

    [Fact]
    public void Should_exit_2_with_a_suggestion_for_an_unknown_hook()
    {
        var dir = TinyGpt2Dir();
        var (code, _, err) = Cli(
            "cache",
            "--model",
            dir,
            "--token-ids",
            "1,2",
            "--hooks",
            "blocks.0.hook_resid_postt",
            "--out",
            Path.Combine(_dir, "x.safetensors")
        );
        Assert.Equal(2, code);
        Assert.Contains("blocks.0.hook_resid_post", err);
        Assert.False(File.Exists(Path.Combine(_dir, "x.safetensors")));
    }

    [Fact]
    public void Should_exit_2_for_token_ids_outside_the_vocabulary()
    {
        var (code, _, err) = Cli("run", "--model", TinyGpt2Dir(), "--token-ids", "1,99", "--json");
        Assert.Equal(2, code);
        Assert.Contains("99", err);
    }

    [Fact]
    public void Should_exit_2_for_a_malformed_checkpoint()
    {
        var dir = TinyGpt2Dir();
        File.WriteAllBytes(
            Path.Combine(dir, "model.safetensors"),
            new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2 }
        );
        var (code, _, err) = Cli("info", "--model", dir, "--json");
        Assert.Equal(2, code);
        Assert.Contains("model.safetensors", err);
    }

    [Fact]
    public void Should_exit_2_for_an_unknown_model_name()
    {
        var (code, _, err) = Cli("info", "--model", "no-such-model");
        Assert.Equal(2, code);
        Assert.Contains("no-such-model", err);
    }

    [Fact]
    public void Should_run_top_next_tokens_for_a_language_model()
    {
        var (code, output, err) = Cli("run", "--model", TinyGpt2Dir(), "--token-ids", "1,2,3", "--top", "5", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(5, doc.RootElement.GetProperty("result").GetProperty("nextTokens").GetArrayLength());
    }

    [Fact]
    public void Should_write_the_explain_report_for_the_default_model()
    {
        var file = Path.Combine(_dir, "report.html");
        var (code, output, err) = Cli("explain", "--out", file, "--json", "--no-probes");
        Assert.True(code == 0, err);
        var html = File.ReadAllText(file);
        Assert.Contains("all-MiniLM-L6-v2", html);
        Assert.Contains("Attention patterns", html);
        Assert.Contains("blocks.5.attn.hook_pattern", html);
        Assert.Equal(6 * 12 + 4, System.Text.RegularExpressions.Regex.Matches(html, "<figure class='heatmap'>").Count); // every head + 4 head-statistic maps
        Assert.Equal(6 * 12 + 4, System.Text.RegularExpressions.Regex.Matches(html, "<g class='colourbar'>").Count); // each with its colour bar
        Assert.Matches("<details><summary>Show all \\d+ hook points[^<]*</summary><table>", html); // the long hook table folds away
        Assert.True(html.Length < 1_000_000, $"{html.Length} chars: dense heatmaps should be rasters");
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(
            22_565_376,
            doc.RootElement.GetProperty("result").GetProperty("summary").GetProperty("parameters").GetInt64()
        );
    }

    [SkippableFact]
    public void Should_add_circuits_sections_to_the_explain_report_of_a_causal_lm()
    {
        Skip.If(
            Glassbox.SharedData.File("stories260K", "stories260K.bin") is null,
            "../shared/data/stories260K is absent"
        );
        var file = Path.Combine(_dir, "stories.html");
        var (code, output, err) = Cli("explain", "-m", "stories260k", "--out", file, "--json", "--no-probes");
        Assert.True(code == 0, err);
        var html = File.ReadAllText(file);
        foreach (
            var section in new[]
            {
                "Head detectors",
                "Logit lens",
                "Activation patching: residual stream",
                "Activation patching: head outputs",
            }
        )
            Assert.Contains(section, html);
        using var doc = JsonDocument.Parse(output);
        var c = doc.RootElement.GetProperty("result").GetProperty("circuits");
        Assert.True(c.GetProperty("cleanLogitDiff").GetSingle() > c.GetProperty("corruptedLogitDiff").GetSingle());
        Assert.Contains(c.GetProperty("labelledHeads").EnumerateArray(), h =>
            h.GetString()!.Contains("previous-token")
        );
    }

    [Fact]
    public void Should_add_the_encoder_circuit_sections_and_say_why_the_lm_only_ones_are_absent()
    {
        var file = Path.Combine(_dir, "enc.html");
        var (code, output, err) = Cli("explain", "--out", file, "--json", "--no-probes");
        Assert.True(code == 0, err);
        var html = File.ReadAllText(file);
        Assert.Contains("Head detectors", html);
        Assert.Contains("Reproduce: <code>glassbox heads -m minilm</code>", html);
        Assert.Contains("Logit lens and activation patching (not run)", html);
        Assert.Contains("Skipped by --no-probes", html);
        foreach (
            System.Text.RegularExpressions.Match s in System.Text.RegularExpressions.Regex.Matches(
                html,
                "<section id='[^']*'>.*?</section>",
                System.Text.RegularExpressions.RegexOptions.Singleline
            )
        )
            Assert.Contains("Reproduce: <code>glassbox ", s.Value);
        using var doc = JsonDocument.Parse(output);
        Assert.Contains(
            doc.RootElement.GetProperty("result").GetProperty("circuits").GetProperty("note").GetString()!,
            html
        );
    }
}
