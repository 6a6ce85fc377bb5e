using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glassbox.Models.Families;

/// <summary>
/// BERT encoders (<c>model_type</c> "bert", <c>BertModel</c> keys with an optional "bert." prefix): post-LayerNorm
/// blocks, bidirectional attention, learned positions and token types, a LayerNorm on the embeddings, no final norm
/// and no unembedding. Pooler, pre-training head and sequence-classification head (<c>classifier.*</c>) weights are
/// recognised and skipped: the encoder of a <c>BertForSequenceClassification</c> directory loads as a plain encoder
/// (Glassbox.Classification.SequenceClassifier reads the head).
/// </summary>
public sealed class BertFamily : IModelFamily
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
        [nameof(ModelConfig.NTokenTypes)] = ["type_vocab_size"],
        [nameof(ModelConfig.NormEps)] = ["layer_norm_eps"],
    };

    /// <inheritdoc/>
    public string Name => "bert";

    /// <inheritdoc/>
    public IReadOnlyList<string> HfModelTypes { get; } = new[] { "bert" };

    /// <inheritdoc/>
    public IReadOnlyList<string> HfArchitectures { get; } =
        new[] { "BertModel", "BertForMaskedLM", "BertForPreTraining", "BertForSequenceClassification" };

    /// <inheritdoc/>
    public IReadOnlyList<string> OptionalKeyPrefixes { get; } = new[] { "bert." };

    /// <inheritdoc/>
    public ModelConfig ReadConfig(JsonElement configJson, string sourceForErrors)
    {
        var r = new ConfigReader(configJson, sourceForErrors, Name, ConfigKeys);
        r.UnsupportedBool("is_decoder", false, "BERT as a causal decoder is not implemented");
        r.UnsupportedBool("add_cross_attention", false, "cross-attention (encoder-decoder) is not implemented");
        string posType = r.String("position_embedding_type", "absolute");
        if (posType != "absolute")
            throw new ConfigException(
                $"{sourceForErrors}: config field 'position_embedding_type' = '{posType}' is not supported (bert; only 'absolute')"
            );
        return r.Finish(
            new ModelConfig
            {
                Architecture = "bert",
                DModel = r.Int("hidden_size"),
                NLayers = r.Int("num_hidden_layers"),
                NHeads = r.Int("num_attention_heads"),
                DMlp = r.Int("intermediate_size"),
                DVocab = r.Int("vocab_size"),
                NCtx = r.Int("max_position_embeddings", 512),
                NTokenTypes = r.Int("type_vocab_size", 2),
                Norm = NormKind.LayerNorm,
                NormEps = r.Double(1e-12, "layer_norm_eps"),
                Positions = PositionKind.Learned,
                Activation = r.Activation("hidden_act", "gelu"),
                PostNorm = true,
                Causal = false,
                EmbedNorm = true,
                FinalNorm = false,
                HasUnembed = false,
                AttnQkvBias = true,
                AttnOutBias = true,
                MlpBias = true,
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
            ["model_type"] = "bert",
            ["architectures"] = new JsonArray("BertModel"),
            ["hidden_size"] = c.DModel,
            ["num_hidden_layers"] = c.NLayers,
            ["num_attention_heads"] = c.NHeads,
            ["intermediate_size"] = c.DMlp,
            ["vocab_size"] = c.DVocab,
            ["max_position_embeddings"] = c.NCtx,
            ["type_vocab_size"] = c.NTokenTypes,
            ["layer_norm_eps"] = c.NormEps,
            ["hidden_act"] = ConfigReader.ActivationName(c.Activation),
            ["position_embedding_type"] = "absolute",
        };
        FamilyJson.AddTokenIds(o, c);
        return o;
    }

    /// <inheritdoc/>
    public IReadOnlyList<WeightKey> WeightKeys(ModelConfig c)
    {
        var k = new List<WeightKey>
        {
            WeightKey.Same("embeddings.word_embeddings.weight", "embed.W_E"), // [d_vocab, d_model]
            WeightKey.Same("embeddings.position_embeddings.weight", "pos_embed.W_pos"), // [n_ctx, d_model]
        };
        if (c.NTokenTypes > 0)
            k.Add(WeightKey.Same("embeddings.token_type_embeddings.weight", "token_type_embed.W_type")); // [n_types, d_model]
        k.Add(WeightKey.Same("embeddings.LayerNorm.weight", "embed_ln.w"));
        k.Add(WeightKey.Same("embeddings.LayerNorm.bias", "embed_ln.b"));
        for (int l = 0; l < c.NLayers; l++)
        {
            string h = string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{l}."),
                b = string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.");
            foreach (var (proj, name) in new[] { ("query", "Q"), ("key", "K"), ("value", "V") })
            {
                k.Add(WeightKey.Same($"{h}attention.self.{proj}.weight", $"{b}attn.W_{name}")); // [d_model, d_model]
                k.Add(WeightKey.Same($"{h}attention.self.{proj}.bias", $"{b}attn.b_{name}"));
            }
            k.Add(WeightKey.Same(h + "attention.output.dense.weight", b + "attn.W_O"));
            k.Add(WeightKey.Same(h + "attention.output.dense.bias", b + "attn.b_O"));
            k.Add(WeightKey.Same(h + "attention.output.LayerNorm.weight", b + "ln1.w"));
            k.Add(WeightKey.Same(h + "attention.output.LayerNorm.bias", b + "ln1.b"));
            k.Add(WeightKey.Same(h + "intermediate.dense.weight", b + "mlp.W_in")); // [d_mlp, d_model]
            k.Add(WeightKey.Same(h + "intermediate.dense.bias", b + "mlp.b_in"));
            k.Add(WeightKey.Same(h + "output.dense.weight", b + "mlp.W_out")); // [d_model, d_mlp]
            k.Add(WeightKey.Same(h + "output.dense.bias", b + "mlp.b_out"));
            k.Add(WeightKey.Same(h + "output.LayerNorm.weight", b + "ln2.w"));
            k.Add(WeightKey.Same(h + "output.LayerNorm.bias", b + "ln2.b"));
        }
        return k;
    }

    /// <inheritdoc/>
    public bool IsIgnoredKey(string hfKey, ModelConfig c) =>
        hfKey.StartsWith("pooler.", StringComparison.Ordinal)
        || hfKey.StartsWith("cls.", StringComparison.Ordinal)
        || hfKey == "embeddings.position_ids"
        || hfKey is "classifier.weight" or "classifier.bias";
}
