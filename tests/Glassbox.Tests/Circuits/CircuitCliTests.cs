using System.Text.Json;
using Glassbox.Cli;
using Glassbox.Data;
using Glassbox.Loading;

namespace Glassbox.Tests.Circuits;

[Collection("console")]
public sealed class CircuitCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-circ-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliHarness.Run(args);

    private string Tiny(string name = "gpt2", bool nan = false)
    {
        var c = TinyModels.Gpt2;
        var w = TinyModels.RandomWeights(c);
        if (nan)
            w["blocks.1.mlp.W_out"][0, 0] = float.NaN;
        var dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        HfExporter.Export(c, w, dir);
        return dir;
    }

    [Fact]
    public void Should_run_lens_dla_heads_circuits_and_ablate_on_a_tiny_model()
    {
        var m = Tiny();
        string ids = "1,5,9,13,2,5,9";
        var (code, o, err) = Cli("lens", "--model", m, "--token-ids", ids, "--target", "#13", "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(o))
            Assert.True(doc.RootElement.GetProperty("result").GetProperty("lastLayerMaxAbsDiff").GetDouble() < 1e-4);
        (code, o, err) = Cli("dla", "--model", m, "--token-ids", ids, "--target", "#13", "--contrast", "#2", "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(o))
            Assert.True(doc.RootElement.GetProperty("result").GetProperty("error").GetDouble() < 1e-4);
        var html = Path.Combine(_dir, "heads.html");
        (code, _, err) = Cli(
            "heads",
            "--model",
            m,
            "--token-ids",
            ids,
            "--block-length",
            "6",
            "--sequences",
            "3",
            "--out",
            html,
            "--json"
        );
        Assert.True(code == 0, err);
        var page = File.ReadAllText(html);
        Assert.Contains("<script>", page);
        Assert.Contains("<svg", page);
        Assert.Contains("previous-token", page);
        (code, o, err) = Cli("circuits", "--model", m, "--head", "1.2", "--sources", "#3,#4", "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(o))
            Assert.Equal(16, doc.RootElement.GetProperty("result").GetProperty("composition").GetArrayLength());
        (code, o, err) = Cli(
            "ablate",
            "--model",
            m,
            "--token-ids",
            ids,
            "--ablate",
            "head:0.1,attn:1,neuron:1.3",
            "--remove-layers",
            "--json"
        );
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(o))
            Assert.Equal(
                3,
                doc.RootElement.GetProperty("result").GetProperty("ablation").GetProperty("rows").GetArrayLength()
            );
    }

    [Fact]
    public void Should_exit_2_on_bad_heads_neurons_tokens_methods_and_nan_losses()
    {
        var m = Tiny();
        string ids = "1,5,9,13";
        Assert.Equal(2, Cli("circuits", "--model", m, "--head", "9.7").Code);
        Assert.Equal(2, Cli("ablate", "--model", m, "--token-ids", ids, "--ablate", "head:9.7").Code);
        Assert.Equal(2, Cli("ablate", "--model", m, "--token-ids", ids, "--method", "median").Code);
        Assert.Equal(2, Cli("neuron", "--model", m, "--neuron", "0.640").Code);
        Assert.Equal(2, Cli("lens", "--model", m, "--token-ids", ids, "--target", "#50").Code);
        Assert.Equal(2, Cli("dla", "--model", m, "--token-ids", ids, "--target", "not-a-token").Code);
        Assert.Equal(2, Cli("heads", "--model", m, "--threshold", "2").Code);
        var (code, _, err) = Cli("ablate", "--model", Tiny("nan", nan: true), "--token-ids", ids, "--ablate", "attn:0");
        Assert.Equal(2, code);
        Assert.Contains("NaN", err);
    }

    [SkippableFact]
    public void Should_reject_a_multi_token_target_and_read_neurons_on_stories260k()
    {
        Skip.If(
            SharedData.File("stories260K", "stories260K.bin") is null
                || SharedData.File("tinystories", "tinystories_sample.txt") is null,
            "../shared/data is absent"
        );
        var (code, _, err) = Cli("dla", "--text", "Lily went home. Lily", "--target", "Lilyzzqx");
        Assert.Equal(2, code);
        Assert.Contains("--target", err);
        (code, var o, err) = Cli(
            "neuron",
            "--neuron",
            "2.17",
            "--max-texts",
            "10",
            "--top-k",
            "3",
            "--text",
            "Lily went home.",
            "--json"
        );
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(o);
        Assert.Equal(3, doc.RootElement.GetProperty("result").GetProperty("topPrefixes").GetArrayLength());
    }
}
