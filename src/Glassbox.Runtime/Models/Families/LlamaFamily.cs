using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Glassbox.Models.Families;

/// <summary>
/// Llama-style decoders (<c>model_type</c> "llama", "mistral", "qwen2"): RMSNorm, rotary (rotate-half), SwiGLU MLP
/// with W_gate = gate_proj, W_in = up_proj, W_out = down_proj, grouped-query attention. Qwen2 always has Q/K/V biases
/// and no output bias; Llama has both or neither (<c>attention_bias</c>); Mistral has none.
/// </summary>
public sealed partial class LlamaFamily : IModelFamily
{
    private static readonly Dictionary<string, string> ArchitectureOf = new()
    {
        ["llama"] = "LlamaForCausalLM",
        ["mistral"] = "MistralForCausalLM",
        ["qwen2"] = "Qwen2ForCausalLM",
    };

    /// <summary>Which config.json key (aliases in lookup order) feeds which <see cref="ModelConfig"/> property; validation
    /// problems are reported under these keys.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> ConfigKeys = new Dictionary<string, string[]>(
        StringComparer.Ordinal
    )
    {
        [nameof(ModelConfig.DModel)] = ["hidden_size"],
        [nameof(ModelConfig.NLayers)] = ["num_hidden_layers"],
        [nameof(ModelConfig.NHeads)] = ["num_attention_heads"],
        [nameof(ModelConfig.NKvHeads)] = ["num_key_value_heads"],
        [nameof(ModelConfig.DHead)] = ["head_dim"],
        [nameof(ModelConfig.DMlp)] = ["intermediate_size"],
        [nameof(ModelConfig.DVocab)] = ["vocab_size"],
        [nameof(ModelConfig.NCtx)] = ["max_position_embeddings"],
        [nameof(ModelConfig.NormEps)] = ["rms_norm_eps"],
        [nameof(ModelConfig.RotaryDim)] = ["head_dim"],
        [nameof(ModelConfig.RotaryBase)] = ["rope_theta"],
        [nameof(ModelConfig.SlidingWindow)] = ["sliding_window"],
        [nameof(ModelConfig.SlidingWindowFromLayer)] = ["max_window_layers", "layer_types"],
    };

    /// <inheritdoc/>
    public string Name => "llama";

    /// <inheritdoc/>
    public IReadOnlyList<string> HfModelTypes { get; } = ArchitectureOf.Keys.ToArray();

    /// <inheritdoc/>
    public IReadOnlyList<string> HfArchitectures { get; } = ArchitectureOf.Values.ToArray();

    /// <inheritdoc/>
    public IReadOnlyList<string> OptionalKeyPrefixes { get; } = Array.Empty<string>();

    /// <inheritdoc/>
    public ModelConfig ReadConfig(JsonElement configJson, string sourceForErrors)
    {
        var r = new ConfigReader(configJson, sourceForErrors, Name, ConfigKeys);
        string type = r.String("model_type", "llama");
        if (!ArchitectureOf.ContainsKey(type))
            throw new ConfigException(
                $"{sourceForErrors}: model_type '{type}' is not handled by the llama family (handles {string.Join(", ", HfModelTypes)})"
            );
        r.Unsupported("rope_scaling", "rotary scaling is not implemented");
        LlamaConfigAudit.RefuseUnimplemented(r, type);
        int heads = r.Int("num_attention_heads");
        int layers = r.Int("num_hidden_layers");
        var (window, fromLayer) = LlamaConfigAudit.SlidingWindow(r, type, layers);
        bool qkvBias,
            outBias;
        switch (type)
        {
            case "qwen2":
                qkvBias = true;
                outBias = false;
                break;
            case "mistral":
                qkvBias = outBias = false;
                break;
            default:
                qkvBias = outBias = r.Bool("attention_bias", false);
                break;
        }
        return r.Finish(
            new ModelConfig
            {
                Architecture = type,
                DModel = r.Int("hidden_size"),
                NLayers = layers,
                NHeads = heads,
                NKvHeads = r.Int("num_key_value_heads", heads),
                DHead = r.Int("head_dim", 0),
                DMlp = r.Int("intermediate_size"),
                DVocab = r.Int("vocab_size"),
                NCtx = r.Int("max_position_embeddings"),
                Norm = NormKind.RmsNorm,
                NormEps = r.Double(1e-6, "rms_norm_eps"),
                Positions = PositionKind.Rotary,
                RotaryBase = LlamaConfigAudit.RopeTheta(r),
                SlidingWindow = window,
                SlidingWindowFromLayer = fromLayer,
                Activation = r.Activation("hidden_act", "silu"),
                GatedMlp = true,
                AttnQkvBias = qkvBias,
                AttnOutBias = outBias,
                MlpBias = type == "llama" && r.Bool("mlp_bias", false),
                TiedEmbeddings = r.Bool("tie_word_embeddings", false),
                BosTokenId = r.NullableInt("bos_token_id"),
                EosTokenId = r.NullableInt("eos_token_id"),
                PadTokenId = r.NullableInt("pad_token_id"),
            }
        );
    }

    /// <inheritdoc/>
    /// <exception cref="ConfigException">The config's architecture is not one of <see cref="HfModelTypes"/>.</exception>
    public JsonObject WriteConfig(ModelConfig c)
    {
        if (!ArchitectureOf.TryGetValue(c.Architecture, out var arch))
            throw new ConfigException(
                $"architecture '{c.Architecture}' is not handled by the llama family (handles {string.Join(", ", HfModelTypes)})"
            );
        var o = new JsonObject
        {
            ["model_type"] = c.Architecture,
            ["architectures"] = new JsonArray(arch),
            ["hidden_size"] = c.DModel,
            ["intermediate_size"] = c.DMlp,
            ["num_hidden_layers"] = c.NLayers,
            ["num_attention_heads"] = c.NHeads,
            ["num_key_value_heads"] = c.KvHeads,
            ["head_dim"] = c.HeadDim,
            ["vocab_size"] = c.DVocab,
            ["max_position_embeddings"] = c.NCtx,
            ["rms_norm_eps"] = c.NormEps,
            ["rope_theta"] = c.RotaryBase,
            ["hidden_act"] = ConfigReader.ActivationName(c.Activation),
            ["tie_word_embeddings"] = c.TiedEmbeddings,
        };
        if (c.Architecture == "llama")
        {
            o["attention_bias"] = c.AttnQkvBias;
            o["mlp_bias"] = c.MlpBias;
        }
        LlamaConfigAudit.WriteSlidingWindow(o, c);
        FamilyJson.AddTokenIds(o, c);
        return o;
    }

    /// <inheritdoc/>
    public IReadOnlyList<WeightKey> WeightKeys(ModelConfig c)
    {
        var k = new List<WeightKey> { WeightKey.Same("model.embed_tokens.weight", "embed.W_E") }; // [d_vocab, d_model]
        for (int l = 0; l < c.NLayers; l++)
        {
            string h = string.Create(CultureInfo.InvariantCulture, $"model.layers.{l}."),
                b = string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.");
            k.Add(WeightKey.Same(h + "input_layernorm.weight", b + "ln1.w"));
            foreach (var (proj, name) in new[] { ("q", "Q"), ("k", "K"), ("v", "V") })
            {
                k.Add(WeightKey.Same($"{h}self_attn.{proj}_proj.weight", $"{b}attn.W_{name}")); // [n_(kv_)heads*d_head, d_model]
                if (c.AttnQkvBias)
                    k.Add(WeightKey.Same($"{h}self_attn.{proj}_proj.bias", $"{b}attn.b_{name}"));
            }
            k.Add(WeightKey.Same(h + "self_attn.o_proj.weight", b + "attn.W_O")); // [d_model, n_heads*d_head]
            if (c.AttnOutBias)
                k.Add(WeightKey.Same(h + "self_attn.o_proj.bias", b + "attn.b_O"));
            k.Add(WeightKey.Same(h + "post_attention_layernorm.weight", b + "ln2.w"));
            foreach (var (proj, name) in new[] { ("gate_proj", "gate"), ("up_proj", "in"), ("down_proj", "out") })
            {
                k.Add(WeightKey.Same($"{h}mlp.{proj}.weight", $"{b}mlp.W_{name}"));
                if (c.MlpBias)
                    k.Add(WeightKey.Same($"{h}mlp.{proj}.bias", $"{b}mlp.b_{name}"));
            }
        }
        k.Add(WeightKey.Same("model.norm.weight", "ln_final.w"));
        if (!c.TiedEmbeddings)
            k.Add(WeightKey.Same("lm_head.weight", "unembed.W_U")); // [d_vocab, d_model]
        return k;
    }

    /// <inheritdoc/>
    public bool IsIgnoredKey(string hfKey, ModelConfig c) =>
        (c.TiedEmbeddings && hfKey == "lm_head.weight") || InvFreq().IsMatch(hfKey);

    [GeneratedRegex(@"^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$")]
    private static partial Regex InvFreq();
}
