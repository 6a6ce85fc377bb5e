using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Glassbox.Models.Families;

/// <summary>
/// GPT-NeoX / Pythia (<c>model_type</c> "gpt_neox"): LayerNorm, partial rotary (rotate-half on the first
/// <c>rotary_pct</c> of each head), optional parallel attention/MLP, fused <c>query_key_value</c> laid out per head as
/// (head, {q, k, v}, d_head), separate <c>embed_out</c> unless tied.
/// </summary>
public sealed partial class NeoXFamily : IModelFamily
{
    /// <summary>Which config.json key (aliases in lookup order) feeds which <see cref="ModelConfig"/> property; validation
    /// problems are reported under these keys.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> ConfigKeys = new Dictionary<string, string[]>(
        StringComparer.Ordinal
    )
    {
        [nameof(ModelConfig.DModel)] = ["hidden_size"],
        [nameof(ModelConfig.NLayers)] = ["num_hidden_layers"],
        [nameof(ModelConfig.NHeads)] = ["num_attention_heads"],
        [nameof(ModelConfig.DMlp)] = ["intermediate_size"],
        [nameof(ModelConfig.DVocab)] = ["vocab_size"],
        [nameof(ModelConfig.NCtx)] = ["max_position_embeddings"],
        [nameof(ModelConfig.NormEps)] = ["layer_norm_eps"],
        [nameof(ModelConfig.RotaryDim)] = ["rotary_pct", "partial_rotary_factor"],
        [nameof(ModelConfig.RotaryBase)] = ["rotary_emb_base", "rope_theta"],
    };

    /// <inheritdoc/>
    public string Name => "gpt_neox";

    /// <inheritdoc/>
    public IReadOnlyList<string> HfModelTypes { get; } = new[] { "gpt_neox" };

    /// <inheritdoc/>
    public IReadOnlyList<string> HfArchitectures { get; } = new[] { "GPTNeoXForCausalLM", "GPTNeoXModel" };

    /// <inheritdoc/>
    public IReadOnlyList<string> OptionalKeyPrefixes { get; } = Array.Empty<string>();

    /// <inheritdoc/>
    public ModelConfig ReadConfig(JsonElement configJson, string sourceForErrors)
    {
        var r = new ConfigReader(configJson, sourceForErrors, Name, ConfigKeys);
        r.Unsupported("rope_scaling", "rotary scaling is not implemented");
        r.Unsupported(
            "sliding_window",
            "GPT-NeoX has no sliding window in Hugging Face, so the value would be ignored"
        );
        int d = r.Int("hidden_size"),
            heads = r.Int("num_attention_heads");
        double pct = r.Double(0.25, "rotary_pct", "partial_rotary_factor");
        if (!(pct > 0 && pct <= 1))
            throw new ConfigException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{sourceForErrors}: config field 'rotary_pct' = {pct} must be in (0, 1] (gpt_neox)"
                )
            );
        int headDim = heads > 0 ? d / heads : 0;
        bool bias = r.Bool("attention_bias", true);
        return r.Finish(
            new ModelConfig
            {
                Architecture = "gpt_neox",
                DModel = d,
                NLayers = r.Int("num_hidden_layers"),
                NHeads = heads,
                DMlp = r.Int("intermediate_size"),
                DVocab = r.Int("vocab_size"),
                NCtx = r.Int("max_position_embeddings", 2048),
                Norm = NormKind.LayerNorm,
                NormEps = r.Double(1e-5, "layer_norm_eps"),
                Positions = PositionKind.Rotary,
                RotaryDim = (int)Math.Floor(headDim * pct + 1e-9),
                RotaryBase = r.Double(10000.0, "rotary_emb_base", "rope_theta"),
                Activation = r.Activation("hidden_act", "gelu"),
                ParallelAttnMlp = r.Bool("use_parallel_residual", true),
                AttnQkvBias = bias,
                AttnOutBias = bias,
                MlpBias = true,
                TiedEmbeddings = r.Bool("tie_word_embeddings", false),
                BosTokenId = r.NullableInt("bos_token_id"),
                EosTokenId = r.NullableInt("eos_token_id"),
                PadTokenId = r.NullableInt("pad_token_id"),
            }
        );
    }

    /// <inheritdoc/>
    public JsonObject WriteConfig(ModelConfig c)
    {
        var o = new JsonObject
        {
            ["model_type"] = "gpt_neox",
            ["architectures"] = new JsonArray("GPTNeoXForCausalLM"),
            ["hidden_size"] = c.DModel,
            ["num_attention_heads"] = c.NHeads,
            ["num_hidden_layers"] = c.NLayers,
            ["intermediate_size"] = c.DMlp,
            ["vocab_size"] = c.DVocab,
            ["max_position_embeddings"] = c.NCtx,
            ["rotary_pct"] = (double)c.RotaryWidth / c.HeadDim,
            ["rotary_emb_base"] = c.RotaryBase,
            ["use_parallel_residual"] = c.ParallelAttnMlp,
            ["layer_norm_eps"] = c.NormEps,
            ["hidden_act"] = ConfigReader.ActivationName(c.Activation),
            ["attention_bias"] = c.AttnQkvBias,
            ["tie_word_embeddings"] = c.TiedEmbeddings,
        };
        FamilyJson.AddTokenIds(o, c);
        return o;
    }

    /// <inheritdoc/>
    public IReadOnlyList<WeightKey> WeightKeys(ModelConfig c)
    {
        var qkv = WeightCodec.HeadInterleaved(c.NHeads);
        var k = new List<WeightKey> { WeightKey.Same("gpt_neox.embed_in.weight", "embed.W_E") }; // [d_vocab, d_model]
        for (int l = 0; l < c.NLayers; l++)
        {
            string h = string.Create(CultureInfo.InvariantCulture, $"gpt_neox.layers.{l}."),
                b = string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.");
            k.Add(WeightKey.Same(h + "input_layernorm.weight", b + "ln1.w"));
            k.Add(WeightKey.Same(h + "input_layernorm.bias", b + "ln1.b"));
            // [n_heads*3*d_head, d_model], rows grouped (head, {q,k,v}, d_head)
            k.Add(
                WeightKey.Fused(
                    h + "attention.query_key_value.weight",
                    qkv,
                    b + "attn.W_Q",
                    b + "attn.W_K",
                    b + "attn.W_V"
                )
            );
            if (c.AttnQkvBias)
                k.Add(
                    WeightKey.Fused(
                        h + "attention.query_key_value.bias",
                        qkv,
                        b + "attn.b_Q",
                        b + "attn.b_K",
                        b + "attn.b_V"
                    )
                );
            k.Add(WeightKey.Same(h + "attention.dense.weight", b + "attn.W_O"));
            if (c.AttnOutBias)
                k.Add(WeightKey.Same(h + "attention.dense.bias", b + "attn.b_O"));
            k.Add(WeightKey.Same(h + "post_attention_layernorm.weight", b + "ln2.w"));
            k.Add(WeightKey.Same(h + "post_attention_layernorm.bias", b + "ln2.b"));
            k.Add(WeightKey.Same(h + "mlp.dense_h_to_4h.weight", b + "mlp.W_in")); // [d_mlp, d_model]
            k.Add(WeightKey.Same(h + "mlp.dense_h_to_4h.bias", b + "mlp.b_in"));
            k.Add(WeightKey.Same(h + "mlp.dense_4h_to_h.weight", b + "mlp.W_out")); // [d_model, d_mlp]
            k.Add(WeightKey.Same(h + "mlp.dense_4h_to_h.bias", b + "mlp.b_out"));
        }
        k.Add(WeightKey.Same("gpt_neox.final_layer_norm.weight", "ln_final.w"));
        k.Add(WeightKey.Same("gpt_neox.final_layer_norm.bias", "ln_final.b"));
        if (!c.TiedEmbeddings)
            k.Add(WeightKey.Same("embed_out.weight", "unembed.W_U")); // [d_vocab, d_model]
        return k;
    }

    /// <inheritdoc/>
    public bool IsIgnoredKey(string hfKey, ModelConfig c) =>
        (c.TiedEmbeddings && hfKey == "embed_out.weight") || Buffers().IsMatch(hfKey);

    [GeneratedRegex(@"^gpt_neox\.layers\.\d+\.attention\.(bias|masked_bias|rotary_emb\.inv_freq)$")]
    private static partial Regex Buffers();
}
