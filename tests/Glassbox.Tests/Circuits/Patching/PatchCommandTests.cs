using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Data;
using Glassbox.Loading;

namespace Glassbox.Tests.Circuits.Patching;

[Collection("console")]
public sealed class PatchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-patch-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    private string Tiny()
    {
        var dir = Path.Combine(_dir, "gpt2");
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            HfExporter.Export(TinyModels.Gpt2, TinyModels.RandomWeights(TinyModels.Gpt2, 3), dir);
        }
        return dir;
    }

    private string[] Args(params string[] extra) =>
        new[]
        {
            "patch",
            "--model",
            Tiny(),
            "--clean-ids",
            "3,7,11,5,20",
            "--corrupted-ids",
            "3,8,11,5,21",
            "--answer",
            "#7",
            "--wrong",
            "#8",
            "--threads",
            "1",
        }
            .Concat(extra)
            .ToArray();

    [Fact]
    public void Should_exit_2_for_bad_patch_input()
    {
        var (code, _, err) = Cli(Args("--hook", "resid_mid"));
        Assert.Equal(2, code);
        Assert.Contains("resid_pre", err);
        (code, _, err) = Cli(Args("--hook", "z", "--heads", "9"));
        Assert.Equal(2, code);
        Assert.Contains("head 9", err);
        (code, _, err) = Cli(
            "patch",
            "--model",
            Tiny(),
            "--clean-ids",
            "3,7,11",
            "--corrupted-ids",
            "3,8",
            "--answer",
            "#7",
            "--wrong",
            "#8"
        );
        Assert.Equal(2, code);
        Assert.Contains("same token length", err);
        Assert.Equal(2, Cli(Args("--mode", "sideways")).Code);
        Assert.Equal(2, Cli(Args("--answer", "#999")).Code);
    }

    [Fact]
    public void Should_print_a_sweep_with_attribution_as_json_and_write_a_heatmap()
    {
        var html = Path.Combine(_dir, "p.html");
        var (code, output, err) = Cli(Args("--hook", "z", "--attribution", "--json", "--out", html));
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var sweep = doc.RootElement.GetProperty("result").GetProperty("sweep");
        Assert.Equal(2, sweep.GetProperty("effects").GetArrayLength());
        Assert.Equal(4, sweep.GetProperty("effects")[0].GetArrayLength());
        Assert.Equal(
            4,
            doc.RootElement.GetProperty("result").GetProperty("attribution").GetProperty("checks").GetArrayLength()
        );
        Assert.Equal("patch", doc.RootElement.GetProperty("command").GetString());
        Assert.Equal("patch", doc.RootElement.GetProperty("manifest").GetProperty("command").GetString());
        var text = File.ReadAllText(html);
        Assert.Contains("<svg", text);
        Assert.Contains("H3", text);
    }

    [Fact]
    public void Should_exit_2_for_bad_trace_input()
    {
        Assert.Equal(2, Cli("trace", "--model", Tiny(), "--kind", "neurons", "--text", "x", "--subject", "x").Code);
        Assert.Equal(2, Cli("trace", "--model", Tiny()).Code);
        var (code, _, err) = Cli("trace", "--model", Tiny(), "--text", "abc", "--subject", "z");
        Assert.Equal(2, code); // the tiny model has no tokenizer
        Assert.NotEmpty(err);
    }

    [SkippableFact]
    public void Should_trace_and_patch_stories260k_names()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        var html = Path.Combine(_dir, "t.html");
        var (code, output, err) = Cli(
            "trace",
            "-m",
            "stories260k",
            "--text",
            "Once upon a time, there was a little kid named Lily. One day,",
            "--subject",
            "Lily",
            "--samples",
            "3",
            "--json",
            "--out",
            html,
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var s = doc.RootElement.GetProperty("result");
        Assert.Equal(1, s.GetProperty("prompts").GetInt32());
        Assert.True(s.GetProperty("meanPClean").GetSingle() > s.GetProperty("meanPCorrupted").GetSingle());
        Assert.Contains("<svg", File.ReadAllText(html));
        (code, output, err) = Cli(
            "patch",
            "-m",
            "stories260k",
            "--clean",
            "Once upon a time, there was a little kid named Lily. One day,",
            "--corrupted",
            "Once upon a time, there was a little kid named Timmy. One day,",
            "--answer",
            "Lily",
            "--wrong",
            "Timmy",
            "--json",
            "--threads",
            "1"
        );
        Assert.True(code == 0, err);
        using var p = JsonDocument.Parse(output);
        Assert.True(p.RootElement.GetProperty("result").GetProperty("sweep").GetProperty("cleanScore").GetSingle() > 0);
    }
}
