using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glassbox.Models.Families;

/// <summary>
/// Glassbox's own checkpoint format (<c>model_type</c> "glassbox"): a config.json that spells out every
/// <see cref="ModelConfig"/> field in TransformerLens' names (so attention-only and norm-free toy models, which no
/// Hugging Face family can express, round-trip exactly) and a model.safetensors keyed by the canonical names of
/// <see cref="ParameterLayout"/>. Models trained by <c>glassbox train</c> are saved in this format.
/// </summary>
public sealed class GlassboxFamily : IModelFamily
{
    /// <summary>Which config.json key (aliases in lookup order) feeds which <see cref="ModelConfig"/> property; validation
    /// problems are reported under these keys.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> ConfigKeys = new Dictionary<string, string[]>(
        StringComparer.Ordinal
    )
    {
        [nameof(ModelConfig.DModel)] = ["d_model"],
        [nameof(ModelConfig.NLayers)] = ["n_layers"],
        [nameof(ModelConfig.SlidingWindow)] = ["sliding_window"],
        [nameof(ModelConfig.SlidingWindowFromLayer)] = ["sliding_window_from_layer"],
        [nameof(ModelConfig.NHeads)] = ["n_heads"],
        [nameof(ModelConfig.NKvHeads)] = ["n_key_value_heads"],
        [nameof(ModelConfig.DHead)] = ["d_head"],
        [nameof(ModelConfig.DMlp)] = ["d_mlp"],
        [nameof(ModelConfig.DVocab)] = ["d_vocab"],
        [nameof(ModelConfig.NCtx)] = ["n_ctx"],
        [nameof(ModelConfig.NormEps)] = ["eps"],
        [nameof(ModelConfig.RotaryDim)] = ["rotary_dim"],
        [nameof(ModelConfig.RotaryBase)] = ["rotary_base"],
        [nameof(ModelConfig.NTokenTypes)] = ["n_token_types"],
    };

    /// <inheritdoc/>
    public string Name => "glassbox";

    /// <inheritdoc/>
    public IReadOnlyList<string> HfModelTypes { get; } = new[] { "glassbox" };

    /// <inheritdoc/>
    public IReadOnlyList<string> HfArchitectures { get; } = new[] { "GlassboxHookedTransformer" };

    /// <inheritdoc/>
    public IReadOnlyList<string> OptionalKeyPrefixes { get; } = Array.Empty<string>();

    /// <inheritdoc/>
    public ModelConfig ReadConfig(JsonElement configJson, string sourceForErrors)
    {
        var r = new ConfigReader(configJson, sourceForErrors, Name, ConfigKeys);
        return r.Finish(
            new ModelConfig
            {
                Architecture = "glassbox",
                DModel = r.Int("d_model"),
                NLayers = r.Int("n_layers"),
                NHeads = r.Int("n_heads"),
                NKvHeads = r.Int("n_key_value_heads", 0),
                DHead = r.Int("d_head", 0),
                DMlp = r.Int("d_mlp", 0),
                DVocab = r.Int("d_vocab"),
                NCtx = r.Int("n_ctx"),
                Norm = r.String("normalization_type", "LN") switch
                {
                    "LN" => NormKind.LayerNorm,
                    "RMS" => NormKind.RmsNorm,
                    "none" => NormKind.None,
                    var s => throw new ConfigException(
                        $"{sourceForErrors}: config field 'normalization_type' must be LN, RMS or none, found '{s}' (glassbox)"
                    ),
                },
                NormEps = r.Double(1e-5, "eps"),
                Positions = r.String("positional_embedding_type", "standard") switch
                {
                    "standard" => PositionKind.Learned,
                    "rotary" => PositionKind.Rotary,
                    "none" => PositionKind.None,
                    var s => throw new ConfigException(
                        $"{sourceForErrors}: config field 'positional_embedding_type' must be standard, rotary or none, found '{s}' (glassbox)"
                    ),
                },
                RotaryDim = r.Int("rotary_dim", 0),
                RotaryBase = r.Double(10000.0, "rotary_base"),
                Activation = r.Activation("act_fn", "gelu"),
                GatedMlp = r.Bool("gated_mlp", false),
                ParallelAttnMlp = r.Bool("parallel_attn_mlp", false),
                PostNorm = r.Bool("post_norm", false),
                Causal = r.Bool("causal", true),
                SlidingWindow = r.Int("sliding_window", 0),
                SlidingWindowFromLayer = r.Int("sliding_window_from_layer", 0),
                AttnOnly = r.Bool("attn_only", false),
                NTokenTypes = r.Int("n_token_types", 0),
                EmbedNorm = r.Bool("embed_norm", false),
                FinalNorm = r.Bool("final_norm", true),
                HasUnembed = r.Bool("has_unembed", true),
                TiedEmbeddings = r.Bool("tie_word_embeddings", false),
                AttnQkvBias = r.Bool("attn_qkv_bias", false),
                AttnOutBias = r.Bool("attn_out_bias", false),
                MlpBias = r.Bool("mlp_bias", false),
                UnembedBias = r.Bool("unembed_bias", false),
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
            ["model_type"] = "glassbox",
            ["architectures"] = new JsonArray("GlassboxHookedTransformer"),
            ["d_model"] = c.DModel,
            ["n_layers"] = c.NLayers,
            ["n_heads"] = c.NHeads,
            ["n_key_value_heads"] = c.NKvHeads,
            ["d_head"] = c.DHead,
            ["d_mlp"] = c.DMlp,
            ["d_vocab"] = c.DVocab,
            ["n_ctx"] = c.NCtx,
            ["normalization_type"] = c.Norm switch
            {
                NormKind.LayerNorm => "LN",
                NormKind.RmsNorm => "RMS",
                _ => "none",
            },
            ["eps"] = c.NormEps,
            ["positional_embedding_type"] = c.Positions switch
            {
                PositionKind.Learned => "standard",
                PositionKind.Rotary => "rotary",
                _ => "none",
            },
            ["rotary_dim"] = c.RotaryDim,
            ["rotary_base"] = c.RotaryBase,
            ["act_fn"] = ConfigReader.ActivationName(c.Activation),
            ["gated_mlp"] = c.GatedMlp,
            ["parallel_attn_mlp"] = c.ParallelAttnMlp,
            ["post_norm"] = c.PostNorm,
            ["causal"] = c.Causal,
            ["sliding_window"] = c.SlidingWindow,
            ["sliding_window_from_layer"] = c.SlidingWindowFromLayer,
            ["attn_only"] = c.AttnOnly,
            ["n_token_types"] = c.NTokenTypes,
            ["embed_norm"] = c.EmbedNorm,
            ["final_norm"] = c.FinalNorm,
            ["has_unembed"] = c.HasUnembed,
            ["tie_word_embeddings"] = c.TiedEmbeddings,
            ["attn_qkv_bias"] = c.AttnQkvBias,
            ["attn_out_bias"] = c.AttnOutBias,
            ["mlp_bias"] = c.MlpBias,
            ["unembed_bias"] = c.UnembedBias,
        };
        FamilyJson.AddTokenIds(o, c);
        return o;
    }

    /// <inheritdoc/>
    public IReadOnlyList<WeightKey> WeightKeys(ModelConfig c) =>
        ParameterLayout.For(c).Select(p => WeightKey.Same(p.Name, p.Name)).ToList();

    /// <inheritdoc/>
    public bool IsIgnoredKey(string hfKey, ModelConfig c) => false;
}
