using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Glassbox.Models.Families;

/// <summary>
/// GPT-2 (<c>model_type</c> "gpt2"): LayerNorm, learned positions, tanh GELU, biases everywhere, tied unembedding.
/// Checkpoints store <c>Conv1D</c> weights as [in, out] and fuse Q, K and V into <c>attn.c_attn</c>.
/// </summary>
public sealed partial class Gpt2Family : IModelFamily
{
    /// <summary>Which config.json key (aliases in lookup order) feeds which <see cref="ModelConfig"/> property; validation
    /// problems are reported under these keys.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> ConfigKeys = new Dictionary<string, string[]>(
        StringComparer.Ordinal
    )
    {
        [nameof(ModelConfig.DModel)] = ["n_embd"],
        [nameof(ModelConfig.NLayers)] = ["n_layer"],
        [nameof(ModelConfig.NHeads)] = ["n_head"],
        [nameof(ModelConfig.DMlp)] = ["n_inner"],
        [nameof(ModelConfig.DVocab)] = ["vocab_size"],
        [nameof(ModelConfig.NCtx)] = ["n_positions"],
        [nameof(ModelConfig.NormEps)] = ["layer_norm_epsilon"],
    };

    /// <inheritdoc/>
    public string Name => "gpt2";

    /// <inheritdoc/>
    public IReadOnlyList<string> HfModelTypes { get; } = new[] { "gpt2" };

    /// <inheritdoc/>
    public IReadOnlyList<string> HfArchitectures { get; } = new[] { "GPT2LMHeadModel", "GPT2Model" };

    /// <inheritdoc/>
    public IReadOnlyList<string> OptionalKeyPrefixes { get; } = new[] { "transformer." };

    /// <inheritdoc/>
    public ModelConfig ReadConfig(JsonElement configJson, string sourceForErrors)
    {
        var r = new ConfigReader(configJson, sourceForErrors, Name, ConfigKeys);
        r.UnsupportedBool("scale_attn_weights", true, "unscaled attention scores are not implemented");
        r.UnsupportedBool(
            "scale_attn_by_inverse_layer_idx",
            false,
            "scaling attention by the inverse layer index is not implemented"
        );
        r.UnsupportedBool("add_cross_attention", false, "cross-attention (encoder-decoder) is not implemented");
        int d = r.Int("n_embd");
        return r.Finish(
            new ModelConfig
            {
                Architecture = "gpt2",
                DModel = d,
                NLayers = r.Int("n_layer"),
                NHeads = r.Int("n_head"),
                DMlp = r.Int("n_inner", 4 * d),
                DVocab = r.Int("vocab_size"),
                NCtx = r.Int("n_positions"),
                Norm = NormKind.LayerNorm,
                NormEps = r.Double(1e-5, "layer_norm_epsilon"),
                Positions = PositionKind.Learned,
                Activation = r.Activation("activation_function", "gelu_new"),
                AttnQkvBias = true,
                AttnOutBias = true,
                MlpBias = true,
                TiedEmbeddings = r.Bool("tie_word_embeddings", true),
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
            ["model_type"] = "gpt2",
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["n_embd"] = c.DModel,
            ["n_layer"] = c.NLayers,
            ["n_head"] = c.NHeads,
            ["n_inner"] = c.DMlp,
            ["n_positions"] = c.NCtx,
            ["n_ctx"] = c.NCtx,
            ["vocab_size"] = c.DVocab,
            ["layer_norm_epsilon"] = c.NormEps,
            ["activation_function"] = ConfigReader.ActivationName(c.Activation),
            ["tie_word_embeddings"] = c.TiedEmbeddings,
        };
        FamilyJson.AddTokenIds(o, c);
        return o;
    }

    /// <inheritdoc/>
    public IReadOnlyList<WeightKey> WeightKeys(ModelConfig c)
    {
        var k = new List<WeightKey>
        {
            WeightKey.Same("wte.weight", "embed.W_E"), // [d_vocab, d_model]
            WeightKey.Same("wpe.weight", "pos_embed.W_pos"), // [n_ctx, d_model]
        };
        for (int l = 0; l < c.NLayers; l++)
        {
            string h = string.Create(CultureInfo.InvariantCulture, $"h.{l}."),
                b = string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.");
            k.Add(WeightKey.Same(h + "ln_1.weight", b + "ln1.w"));
            k.Add(WeightKey.Same(h + "ln_1.bias", b + "ln1.b"));
            // Conv1D [d_model, 3*d_model] = (W_Q | W_K | W_V)^T
            k.Add(
                WeightKey.Fused(
                    h + "attn.c_attn.weight",
                    WeightCodec.ConcatTransposed,
                    b + "attn.W_Q",
                    b + "attn.W_K",
                    b + "attn.W_V"
                )
            );
            k.Add(
                WeightKey.Fused(
                    h + "attn.c_attn.bias",
                    WeightCodec.Concat,
                    b + "attn.b_Q",
                    b + "attn.b_K",
                    b + "attn.b_V"
                )
            );
            k.Add(WeightKey.Transposed(h + "attn.c_proj.weight", b + "attn.W_O")); // Conv1D [d_model(in), d_model(out)]
            k.Add(WeightKey.Same(h + "attn.c_proj.bias", b + "attn.b_O"));
            k.Add(WeightKey.Same(h + "ln_2.weight", b + "ln2.w"));
            k.Add(WeightKey.Same(h + "ln_2.bias", b + "ln2.b"));
            k.Add(WeightKey.Transposed(h + "mlp.c_fc.weight", b + "mlp.W_in")); // Conv1D [d_model, d_mlp]
            k.Add(WeightKey.Same(h + "mlp.c_fc.bias", b + "mlp.b_in"));
            k.Add(WeightKey.Transposed(h + "mlp.c_proj.weight", b + "mlp.W_out")); // Conv1D [d_mlp, d_model]
            k.Add(WeightKey.Same(h + "mlp.c_proj.bias", b + "mlp.b_out"));
        }
        k.Add(WeightKey.Same("ln_f.weight", "ln_final.w"));
        k.Add(WeightKey.Same("ln_f.bias", "ln_final.b"));
        if (!c.TiedEmbeddings)
            k.Add(WeightKey.Same("lm_head.weight", "unembed.W_U")); // [d_vocab, d_model]
        return k;
    }

    /// <inheritdoc/>
    public bool IsIgnoredKey(string hfKey, ModelConfig c) =>
        (c.TiedEmbeddings && hfKey == "lm_head.weight") || AttnBuffer().IsMatch(hfKey);

    [GeneratedRegex(@"^h\.\d+\.attn\.(bias|masked_bias)$")]
    private static partial Regex AttnBuffer();
}
