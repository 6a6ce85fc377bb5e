using System.Text.Json;
using System.Text.Json.Nodes;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Models.Families;

namespace Glassbox.Tests.Loading;

public class FamilyConfigTests
{
    private static ConfigException LoadConfigFails(string json)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), json);
        var ex = Assert.Throws<ConfigException>(() => HfCheckpoint.ReadConfig(dir.Path));
        Assert.Contains("config.json", ex.Message);
        return ex;
    }

    [Theory]
    [InlineData("gpt2", "n_head")]
    [InlineData("llama", "num_hidden_layers")]
    [InlineData("bert", "hidden_size")]
    [InlineData("gpt_neox", "intermediate_size")]
    public void Should_name_a_missing_required_field(string type, string field)
    {
        var o = JsonNode.Parse(CheckpointFixtures.ConfigJson[type])!.AsObject();
        Assert.True(o.Remove(field));
        var ex = LoadConfigFails(o.ToJsonString());
        Assert.Contains($"'{field}'", ex.Message);
        Assert.Contains("missing", ex.Message);
    }

    [Fact]
    public void Should_name_an_unknown_model_type_with_control_characters_on_one_line()
    {
        var e = Assert.Throws<ConfigException>(() => FamilyRegistry.ForModelType("gpt\neox\u0007", "config.json"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\u0007', e.Message);
        Assert.Contains("unknown architecture 'gpt\\neox", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_an_unknown_architecture_and_list_known_ones()
    {
        var ex = LoadConfigFails("""{"model_type":"mamba","hidden_size":16}""");
        Assert.Contains("'mamba'", ex.Message);
        foreach (var known in new[] { "gpt2", "llama", "mistral", "qwen2", "bert", "gpt_neox" })
            Assert.Contains(known, ex.Message);
    }

    [Fact]
    public void Should_reject_a_field_of_the_wrong_type()
    {
        var ex = LoadConfigFails(
            """{"model_type":"gpt2","n_embd":"sixteen","n_layer":2,"n_head":4,"n_positions":32,"vocab_size":50}"""
        );
        Assert.Contains("'n_embd'", ex.Message);
    }

    [Fact]
    public void Should_reject_rope_scaling()
    {
        var o = JsonNode.Parse(CheckpointFixtures.ConfigJson["llama"])!.AsObject();
        o["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0 };
        Assert.Contains("rope_scaling", LoadConfigFails(o.ToJsonString()).Message);
    }

    [Fact]
    public void Should_read_gpt2_defaults()
    {
        var c = CheckpointFixtures.Config("gpt2");
        Assert.Equal(
            ("gpt2", 16, 2, 4, 4, 4, 64, 50, 32),
            (c.Architecture, c.DModel, c.NLayers, c.NHeads, c.NKvHeads, c.DHead, c.DMlp, c.DVocab, c.NCtx)
        );
        Assert.Equal(ActivationKind.GeluTanh, c.Activation);
        Assert.True(c.TiedEmbeddings && c.AttnQkvBias && c.AttnOutBias && c.MlpBias && c.Causal);
        Assert.DoesNotContain(ParameterLayout.For(c), s => s.Name == "unembed.W_U");
    }

    [Fact]
    public void Should_read_llama_family_variants()
    {
        var llama = CheckpointFixtures.Config("llama");
        Assert.Equal(
            (NormKind.RmsNorm, PositionKind.Rotary, 2, 4, true, false, 500000.0),
            (
                llama.Norm,
                llama.Positions,
                llama.NKvHeads,
                llama.DHead,
                llama.GatedMlp,
                llama.AttnQkvBias,
                llama.RotaryBase
            )
        );
        var qwen = CheckpointFixtures.Config("qwen2");
        Assert.Equal((true, false, true), (qwen.AttnQkvBias, qwen.AttnOutBias, qwen.TiedEmbeddings));
        var mistral = CheckpointFixtures.Config("mistral");
        Assert.Equal((1, 8, 8), (mistral.NKvHeads, mistral.DHead, mistral.RotaryDim));
    }

    [Fact]
    public void Should_read_bert_as_a_post_norm_encoder()
    {
        var c = CheckpointFixtures.Config("bert");
        Assert.Equal(
            (true, false, true, false, false, 2),
            (c.PostNorm, c.Causal, c.EmbedNorm, c.FinalNorm, c.HasUnembed, c.NTokenTypes)
        );
        Assert.Equal(1e-12, c.NormEps);
        Assert.Equal(ActivationKind.Gelu, c.Activation);
    }

    [Fact]
    public void Should_read_neox_partial_rotary_and_parallel_residual()
    {
        var c = CheckpointFixtures.Config("gpt_neox");
        Assert.Equal((4, 2, true, false), (c.HeadDim, c.RotaryDim, c.ParallelAttnMlp, c.TiedEmbeddings));
    }

    [Fact]
    public void Should_find_families_by_model_type_and_architecture()
    {
        Assert.Equal("llama", FamilyRegistry.ForModelType("qwen2").Name);
        using var doc = JsonDocument.Parse("""{"architectures":["GPTNeoXForCausalLM"]}""");
        Assert.Equal("gpt_neox", FamilyRegistry.ForConfig(doc.RootElement, "x").Name);
    }
}
