using System.Text.Json;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Models.Families;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Fuzz;

/// <summary>Issue 16: <c>model_type: mistral</c> with <c>sliding_window: 4</c> gave the no-window logits. The window
/// is now applied, and checked against references computed here, independently of the runtime's mask.</summary>
public class SlidingWindowTests
{
    private static ModelConfig Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FamilyRegistry.ReadConfig(doc.RootElement, "config.json").Config;
    }

    private static string Mistral(int layers, string window) =>
        "{\"model_type\":\"mistral\",\"hidden_size\":16,\"intermediate_size\":24,\"num_hidden_layers\":"
        + layers.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + ",\"num_attention_heads\":4,\"num_key_value_heads\":2,\"vocab_size\":50,\"max_position_embeddings\":32"
        + window
        + "}";

    private static HookedTransformer Model(ModelConfig c) =>
        HookedTransformer.Create(c, TinyModels.RandomWeights(c, seed: 3), name: "tiny-window");

    private static TokenBatch Tokens(int n, int seed = 5)
    {
        var rng = new Random(seed);
        return TokenBatch.FromIds(new[] { Enumerable.Range(0, n).Select(_ => rng.Next(50)).ToList() });
    }

    [Fact]
    public void Should_read_the_mistral_window_with_hf_defaults()
    {
        Assert.Equal(4, Read(Mistral(2, ",\"sliding_window\":4")).SlidingWindow);
        Assert.Equal(4096, Read(Mistral(2, "")).SlidingWindow);
        Assert.Equal(0, Read(Mistral(2, ",\"sliding_window\":null")).SlidingWindow);
    }

    [Fact]
    public void Should_change_the_logits_of_a_20_token_input_when_the_window_is_4()
    {
        using var scope = NewDisposeScope();
        using var windowed = Model(Read(Mistral(2, ",\"sliding_window\":4")));
        using var full = Model(Read(Mistral(2, ",\"sliding_window\":null")));
        using var batch = Tokens(20);
        var a = windowed.Forward(batch);
        var b = full.Forward(batch);
        Assert.True(TinyModels.MaxAbsDiff(a[0, ..4], b[0, ..4]) < 1e-5, "inside the window nothing changes");
        Assert.True(TinyModels.MaxAbsDiff(a, b) > 1e-3, "the window is ignored");
    }

    [Fact]
    public void Should_match_the_model_run_on_the_truncated_context_for_one_layer()
    {
        // One layer, rotary positions: the logits at t under window w equal those of the model on tokens
        // [t-w+1..t] alone, because attention scores depend only on relative positions.
        using var scope = NewDisposeScope();
        const int w = 4;
        var c = Read(Mistral(1, ",\"sliding_window\":4"));
        using var model = Model(c);
        var rng = new Random(9);
        var ids = Enumerable.Range(0, 20).Select(_ => rng.Next(50)).ToList();
        using var batch = TokenBatch.FromIds(new[] { ids });
        var logits = model.Forward(batch);
        for (int t = 0; t < ids.Count; t++)
        {
            int start = Math.Max(0, t - w + 1);
            using var part = TokenBatch.FromIds(new[] { ids.GetRange(start, t - start + 1) });
            var reference = model.Forward(part)[0, -1];
            Assert.True(
                TinyModels.MaxAbsDiff(logits[0, t], reference) < 1e-4,
                "position " + t.ToString(System.Globalization.CultureInfo.InvariantCulture)
            );
        }
    }

    /// <summary>The unwindowed model with the out-of-window scores of the chosen layers set to -inf by a hook.</summary>
    private static Tensor Reference(HookedTransformer full, TokenBatch batch, int w, Func<int, bool> windowed)
    {
        var hooks = new List<Hook>();
        for (int l = 0; l < full.Config.NLayers; l++)
        {
            if (!windowed(l))
                continue;
            hooks.Add(new Hook(HookPoints.AttnScores.Name(l), (x, _) =>
                {
                    long p = x.shape[^1];
                    var far = new bool[p * p];
                    for (int q = 0; q < p; q++)
                    for (int k = 0; k < p; k++)
                        far[q * p + k] = q - k >= w;
                    using var m = tensor(far, new long[] { 1, 1, p, p });
                    return x.MaskedFill(m, double.NegativeInfinity);
                }));
        }
        return full.RunWithHooks(batch, hooks);
    }

    [Fact]
    public void Should_match_an_explicitly_masked_reference_for_every_layer_of_mistral()
    {
        using var scope = NewDisposeScope();
        using var windowed = Model(Read(Mistral(3, ",\"sliding_window\":4")));
        using var full = Model(Read(Mistral(3, ",\"sliding_window\":null")));
        using var batch = Tokens(20);
        Assert.True(TinyModels.MaxAbsDiff(windowed.Forward(batch), Reference(full, batch, 4, _ => true)) < 1e-4);
    }

    private static string Qwen2(string extra) =>
        "{\"model_type\":\"qwen2\",\"hidden_size\":16,\"intermediate_size\":24,\"num_hidden_layers\":3,\"num_attention_heads\":4,\"num_key_value_heads\":2,\"vocab_size\":50,\"max_position_embeddings\":32"
        + extra
        + "}";

    [Fact]
    public void Should_window_only_qwen2_layers_from_max_window_layers_on()
    {
        using var scope = NewDisposeScope();
        var c = Read(Qwen2(",\"use_sliding_window\":true,\"sliding_window\":3,\"max_window_layers\":1"));
        Assert.Equal((3, 1), (c.SlidingWindow, c.SlidingWindowFromLayer));
        using var windowed = Model(c);
        using var full = Model(Read(Qwen2("")));
        using var batch = Tokens(20);
        var expected = Reference(full, batch, 3, l => l >= 1);
        Assert.True(TinyModels.MaxAbsDiff(windowed.Forward(batch), expected) < 1e-4);
        Assert.True(TinyModels.MaxAbsDiff(expected, Reference(full, batch, 3, _ => true)) > 1e-4);
    }

    [Fact]
    public void Should_ignore_the_qwen2_window_when_use_sliding_window_is_false_as_hf_does()
    {
        var c = Read(Qwen2(",\"use_sliding_window\":false,\"sliding_window\":3,\"max_window_layers\":0"));
        Assert.Equal(0, c.SlidingWindow);
    }

    [Fact]
    public void Should_apply_the_window_to_padded_batches()
    {
        using var scope = NewDisposeScope();
        using var windowed = Model(Read(Mistral(2, ",\"sliding_window\":4")));
        var rng = new Random(2);
        var longIds = Enumerable.Range(0, 12).Select(_ => rng.Next(50)).ToList();
        var shortIds = longIds.Take(7).ToList();
        foreach (var side in new[] { PaddingSide.Left, PaddingSide.Right })
        {
            using var both = TokenBatch.FromIds(new[] { longIds, shortIds }, side: side);
            using var alone = TokenBatch.FromIds(new[] { shortIds });
            var a = windowed.Forward(both);
            var b = windowed.Forward(alone);
            for (int i = 0; i < shortIds.Count; i++)
                Assert.True(
                    TinyModels.MaxAbsDiff(a[1, both.PaddedIndex(1, i)], b[0, i]) < 1e-4,
                    side + " " + i.ToString(System.Globalization.CultureInfo.InvariantCulture)
                );
        }
    }

    [Theory]
    [InlineData("{\"layer_types\":[\"sliding_attention\",\"full_attention\"]}", "layer_types")]
    [InlineData("{\"layer_types\":[\"full_attention\"]}", "layer_types")]
    [InlineData("{\"layer_types\":[\"chunked_attention\",\"full_attention\"]}", "layer_types")]
    [InlineData("{\"rope_parameters\":{\"rope_type\":\"yarn\",\"factor\":4}}", "rope_parameters")]
    [InlineData("{\"attn_logit_softcapping\":50.0}", "attn_logit_softcapping")]
    [InlineData("{\"partial_rotary_factor\":0.5}", "partial_rotary_factor")]
    [InlineData("{\"use_sliding_window\":true}", "use_sliding_window")]
    [InlineData("{\"sliding_window\":-2}", "sliding_window")]
    public void Should_refuse_unimplemented_mistral_fields_naming_the_key(string extra, string key)
    {
        var json = Mistral(2, "," + extra[1..^1]);
        var ex = Assert.Throws<ConfigException>(() => Read(json));
        Assert.Contains(key, ex.Message);
        Assert.Contains("config.json", ex.Message);
    }

    [Theory]
    [InlineData("llama", "\"sliding_window\":4", "sliding_window")]
    [InlineData("gpt2", "\"scale_attn_by_inverse_layer_idx\":true", "scale_attn_by_inverse_layer_idx")]
    [InlineData("gpt2", "\"scale_attn_weights\":false", "scale_attn_weights")]
    [InlineData("gpt2", "\"add_cross_attention\":true", "add_cross_attention")]
    [InlineData("bert", "\"is_decoder\":true", "is_decoder")]
    [InlineData("gpt_neox", "\"sliding_window\":4", "sliding_window")]
    public void Should_refuse_silently_ignored_fields_of_other_families(string family, string field, string key)
    {
        var json = Loading.CheckpointFixtures.ConfigJson[family][..^1] + "," + field + "}";
        var ex = Assert.Throws<ConfigException>(() => Read(json));
        Assert.Contains(key, ex.Message);
    }

    [Fact]
    public void Should_round_trip_windowed_configs_through_export()
    {
        foreach (
            var json in new[]
            {
                Mistral(2, ",\"sliding_window\":4"),
                Mistral(2, ",\"sliding_window\":4,\"layer_types\":[\"full_attention\",\"sliding_attention\"]"),
                Qwen2(",\"use_sliding_window\":true,\"sliding_window\":3,\"max_window_layers\":1"),
            }
        )
        {
            var c = Read(json);
            var family = FamilyRegistry.ForModelType(c.Architecture);
            using var doc = JsonDocument.Parse(family.WriteConfig(c).ToJsonString());
            Assert.Empty(ConfigNormalization.Differences(c, family.ReadConfig(doc.RootElement, "back")));
        }
    }
}
