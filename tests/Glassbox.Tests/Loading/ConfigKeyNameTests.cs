using System.Text.Json.Nodes;
using Glassbox.Loading;
using Glassbox.Models;

namespace Glassbox.Tests.Loading;

/// <summary>Validation problems name the user's config.json keys, never ModelConfig's internal property names.</summary>
public class ConfigKeyNameTests
{
    private static string ReadConfigFails(string type, Action<JsonObject> edit)
    {
        var o = JsonNode.Parse(CheckpointFixtures.ConfigJson[type])!.AsObject();
        edit(o);
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), o.ToJsonString());
        var ex = Assert.Throws<ConfigException>(() => HfCheckpoint.ReadConfig(dir.Path));
        Assert.Contains("config.json: ", ex.Message);
        foreach (
            var internalName in new[]
            {
                "DModel",
                "NHeads",
                "NKvHeads",
                "DHead",
                "DMlp",
                "NCtx",
                "DVocab",
                "RotaryDim",
                "RotaryBase",
                "NormEps",
                "NTokenTypes",
            }
        )
            Assert.DoesNotContain(internalName, ex.Message, StringComparison.Ordinal);
        return ex.Message;
    }

    [Theory]
    [InlineData("gpt2", "n_head", 5, "n_head=5 does not divide n_embd=16")]
    [InlineData("gpt2", "n_inner", 0, "n_inner=0 must be positive")]
    [InlineData("gpt2", "n_positions", 0, "n_positions=0 must be positive")]
    [InlineData("llama", "num_attention_heads", 5, "num_attention_heads=5 does not divide hidden_size=16")]
    [InlineData("llama", "num_key_value_heads", 3, "num_key_value_heads=3 does not divide num_attention_heads=4")]
    [InlineData("llama", "rope_theta", 0, "rope_theta=0 must be positive")]
    [InlineData("mistral", "head_dim", 3, "head_dim=3 gives a rotary width of 3")]
    [InlineData("qwen2", "intermediate_size", -4, "intermediate_size=-4 must be positive")]
    [InlineData("qwen2", "max_position_embeddings", 0, "max_position_embeddings=0 must be positive")]
    [InlineData("bert", "type_vocab_size", -1, "type_vocab_size=-1 must not be negative")]
    [InlineData("bert", "num_hidden_layers", 0, "num_hidden_layers=0 must be positive")]
    [InlineData("gpt_neox", "rotary_pct", 0.25, "rotary_pct=0.25 gives a rotary width of 1")]
    [InlineData("gpt_neox", "vocab_size", 0, "vocab_size=0 must be positive")]
    public void Should_name_the_config_json_key_of_an_invalid_value(
        string type,
        string key,
        double value,
        string expected
    )
    {
        var message = ReadConfigFails(type, o =>
            o[key] = value == Math.Floor(value) ? JsonValue.Create((int)value) : JsonValue.Create(value)
        );
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_report_every_problem_of_a_config_in_one_error()
    {
        var message = ReadConfigFails("gpt2", o =>
        {
            o["n_layer"] = 0;
            o["vocab_size"] = -1;
        });
        Assert.Contains("n_layer=0 must be positive", message, StringComparison.Ordinal);
        Assert.Contains("vocab_size=-1 must be positive", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_keep_internal_names_when_validating_a_config_built_in_code()
    {
        var c = CheckpointFixtures.Config("gpt2") with { NHeads = 5, DHead = 0 };
        var ex = Assert.Throws<ConfigException>(() => c.Validate());
        Assert.Contains("NHeads=5 does not divide DModel=16", ex.Message, StringComparison.Ordinal);
    }
}
