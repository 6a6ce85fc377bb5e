using System.Text.Json.Nodes;
using Glassbox.Loading;
using Glassbox.Neurons.Sae;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Sae;

public sealed class SaeCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-sae-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static SaeConfig Config => new(6, 12, "blocks.1.mlp.hook_post", 1, "tiny-gpt2", Seed: 3);

    private string Saved(string name = "sae")
    {
        var dir = Path.Combine(_dir, name);
        using var sae = SparseAutoencoder.Create(Config);
        using (no_grad())
            sae.BEnc.copy_(randn(12, generator: new Generator(9)));
        sae.Save(dir);
        return dir;
    }

    [Fact]
    public void Should_round_trip_weights_and_config_bit_exactly_in_the_saelens_layout()
    {
        var dir = Path.Combine(_dir, "rt");
        using var sae = SparseAutoencoder.Create(Config with { L1Coefficient = 0.3, ActivationScalingFactor = 2.5 });
        using (no_grad())
            sae.BDec.copy_(randn(6, generator: new Generator(1)));
        sae.Save(dir);
        Assert.Equal(
            new[] { "cfg.json", "sae_weights.safetensors" },
            Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal)
        );
        using var back = SparseAutoencoder.Load(dir);
        Assert.Equal(sae.Config, back.Config);
        Assert.True(ToyFeatures.Same(sae.WEnc, back.WEnc) && ToyFeatures.Same(sae.BEnc, back.BEnc));
        Assert.True(ToyFeatures.Same(sae.WDec, back.WDec) && ToyFeatures.Same(sae.BDec, back.BDec));
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "cfg.json")))!;
        Assert.Equal(6, (int)cfg["d_in"]!);
        Assert.Equal(12, (int)cfg["d_sae"]!);
        Assert.Equal("blocks.1.mlp.hook_post", (string)cfg["hook_name"]!);
        Assert.Equal("float32", (string)cfg["dtype"]!);
        Assert.True((bool)cfg["apply_b_dec_to_input"]!);
        Assert.Equal("none", (string)cfg["normalize_activations"]!);
        using var st = SafetensorsFile.Open(Path.Combine(dir, SaeCheckpoint.WeightsFile));
        Assert.Equal(new long[] { 6, 12 }, st.Entry("W_enc").Shape);
        Assert.Equal(new long[] { 12, 6 }, st.Entry("W_dec").Shape);
    }

    [Fact]
    public void Should_replace_an_existing_checkpoint_without_leaving_temporary_folders()
    {
        var dir = Saved();
        using (var other = SparseAutoencoder.Create(Config with { Seed = 8 }))
            other.Save(dir);
        using var back = SparseAutoencoder.Load(dir);
        Assert.Equal(8, back.Config.Seed);
        Assert.Equal(new[] { "sae" }, Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    private static void EditCfg(string dir, Action<JsonObject> edit)
    {
        var path = Path.Combine(dir, "cfg.json");
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(o);
        File.WriteAllText(path, o.ToJsonString());
    }

    private static void RewriteWeights(string dir, Func<Dictionary<string, Tensor>, IEnumerable<(string, Tensor)>> edit)
    {
        var path = Path.Combine(dir, SaeCheckpoint.WeightsFile);
        Dictionary<string, Tensor> t;
        using (var f = SafetensorsFile.Open(path))
            t = f.Entries.ToDictionary(e => e.Name, e => f.ReadTensor(e.Name));
        SafetensorsWriter.Write(path, edit(t).ToList());
    }

    /// <summary>Each bad-checkpoint class, and a fragment the one-line error must contain.</summary>
    public static IEnumerable<object[]> BadCases() =>
        new[]
        {
            new object[] { "no-folder", "no such SAE checkpoint folder" },
            new object[] { "no-cfg", "cfg.json: missing" },
            new object[] { "bad-json", "not valid JSON" },
            new object[] { "missing-field", "missing field 'd_sae'" },
            new object[] { "bad-value", "field 'd_in' must be at least 1" },
            new object[] { "wrong-type", "field 'hook_name' must be a non-empty string" },
            new object[] { "unsupported-architecture", "field 'architecture'" },
            new object[] { "unsupported-normalisation", "field 'normalize_activations'" },
            new object[] { "cfg-dtype", "field 'dtype'" },
            new object[] { "no-weights", "sae_weights.safetensors: missing" },
            new object[] { "missing-tensor", "missing tensor 'b_dec'" },
            new object[] { "extra-tensor", "unexpected tensor 'scaling_factor'" },
            new object[] { "shape", "tensor 'W_enc' has shape [6, 11]" },
            new object[] { "cfg-shape", "tensor 'W_enc' has shape [6, 12], expected [6, 24]" },
            new object[] { "tensor-dtype", "tensor 'W_dec' has dtype F16" },
            new object[] { "nan", "tensor 'b_enc' holds non-finite values" },
            new object[] { "truncated", "sae_weights.safetensors" },
        };

    [Theory]
    [MemberData(nameof(BadCases))]
    public void Should_reject_each_class_of_bad_checkpoint_with_one_line_naming_file_and_field(
        string kind,
        string expected
    )
    {
        var dir = Saved(kind);
        string weights = Path.Combine(dir, SaeCheckpoint.WeightsFile);
        switch (kind)
        {
            case "no-folder":
                Directory.Delete(dir, true);
                break;
            case "no-cfg":
                File.Delete(Path.Combine(dir, "cfg.json"));
                break;
            case "bad-json":
                File.WriteAllText(Path.Combine(dir, "cfg.json"), "{\"d_in\": 6,");
                break;
            case "missing-field":
                EditCfg(dir, o => o.Remove("d_sae"));
                break;
            case "bad-value":
                EditCfg(dir, o => o["d_in"] = 0);
                break;
            case "wrong-type":
                EditCfg(dir, o => o["hook_name"] = 3);
                break;
            case "unsupported-architecture":
                EditCfg(dir, o => o["architecture"] = "gated");
                break;
            case "unsupported-normalisation":
                EditCfg(dir, o => o["normalize_activations"] = "expected_average_only_in");
                break;
            case "cfg-dtype":
                EditCfg(dir, o => o["dtype"] = "bfloat16");
                break;
            case "no-weights":
                File.Delete(weights);
                break;
            case "missing-tensor":
                RewriteWeights(dir, t => t.Where(kv => kv.Key != "b_dec").Select(kv => (kv.Key, kv.Value)));
                break;
            case "extra-tensor":
                RewriteWeights(dir, t => t.Select(kv => (kv.Key, kv.Value)).Append(("scaling_factor", ones(1))));
                break;
            case "shape":
                RewriteWeights(dir, t =>
                    t.Select(kv => (kv.Key, kv.Key == "W_enc" ? kv.Value.narrow(1, 0, 11) : kv.Value))
                );
                break;
            case "cfg-shape":
                EditCfg(dir, o => o["d_sae"] = 24);
                break;
            case "tensor-dtype":
                RewriteWeights(dir, t =>
                    t.Select(kv => (kv.Key, kv.Key == "W_dec" ? kv.Value.to_type(ScalarType.Float16) : kv.Value))
                );
                break;
            case "nan":
                RewriteWeights(dir, t =>
                    t.Select(kv =>
                        (
                            kv.Key,
                            kv.Key == "b_enc"
                                ? kv.Value.index_fill(0, tensor(new long[] { 2 }), float.NaN.ToScalar())
                                : kv.Value
                        )
                    )
                );
                break;
            case "truncated":
                var bytes = File.ReadAllBytes(weights);
                File.WriteAllBytes(weights, bytes[..(bytes.Length - 20)]);
                break;
        }
        var e = Assert.ThrowsAny<GlassboxException>(() => SparseAutoencoder.Load(dir));
        Assert.IsType<ModelFormatException>(e);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_refuse_an_sae_made_for_another_model_hook_or_width()
    {
        using var model = TinyModels.Create("gpt2");
        using var ok = SparseAutoencoder.Create(new SaeConfig(64, 128, "blocks.1.mlp.hook_post", 1, model.Name));
        SaeCheckpoint.CheckFits(ok, model);
        using var otherModel = SparseAutoencoder.Create(ok.Config with { ModelName = "stories260K" });
        Assert.Contains(
            "model_name",
            Assert.Throws<InputException>(() => SaeCheckpoint.CheckFits(otherModel, model)).Message,
            StringComparison.Ordinal
        );
        using var otherWidth = SparseAutoencoder.Create(ok.Config with { HookName = "blocks.1.hook_resid_post" });
        Assert.Contains(
            "d_in is 64",
            Assert.Throws<InputException>(() => SaeCheckpoint.CheckFits(otherWidth, model)).Message,
            StringComparison.Ordinal
        );
        using var unknown = SparseAutoencoder.Create(
            ok.Config with
            {
                HookName = "blocks.7.mlp.hook_post",
                HookLayer = 7,
            }
        );
        Assert.Throws<HookException>(() => SaeCheckpoint.CheckFits(unknown, model));
        using var pattern = SparseAutoencoder.Create(ok.Config with { HookName = "blocks.1.attn.hook_z" });
        Assert.Throws<InputException>(() => SaeCheckpoint.CheckFits(pattern, model));
    }
}
