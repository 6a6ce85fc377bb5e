using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Glassbox.Neurons.Sae;

/// <summary>
/// The <c>cfg.json</c> of an SAE checkpoint, with SAELens's field names (<c>d_in</c>, <c>d_sae</c>, <c>hook_name</c>,
/// <c>hook_layer</c>, <c>dtype</c>, <c>model_name</c>, <c>apply_b_dec_to_input</c>, <c>normalize_activations</c>,
/// ...), so the folder loads in SAELens (<c>SAE.load_from_disk</c>) and SAELens "standard" ReLU SAEs load here.
/// Activation normalisation used in training is folded into the weights before saving, so a saved checkpoint always
/// has <c>normalize_activations = "none"</c>; the factor that was folded is kept in
/// <see cref="ActivationScalingFactor"/> for the record.
/// </summary>
/// <param name="DIn">Input width: the hook's unit axis (<c>d_in</c>).</param>
/// <param name="DSae">Number of features (<c>d_sae</c>).</param>
/// <param name="HookName">Hook the SAE reads, e.g. <c>blocks.3.mlp.hook_post</c> (<c>hook_name</c>).</param>
/// <param name="HookLayer">Layer of the hook (<c>hook_layer</c>); 0 for model-level hooks.</param>
/// <param name="ModelName">Model the SAE was trained on (<c>model_name</c>).</param>
/// <param name="Dtype">Tensor dtype in the weights file (<c>dtype</c>); "float32".</param>
/// <param name="ApplyBDecToInput">Subtract <c>b_dec</c> from the input before encoding (<c>apply_b_dec_to_input</c>).</param>
/// <param name="L1Coefficient">Sparsity coefficient used in training (<c>l1_coefficient</c>).</param>
/// <param name="ScaleSparsityPenaltyByDecoderNorm">L1 weighted by decoder row norms
/// (<c>scale_sparsity_penalty_by_decoder_norm</c>); false means plain L1 with unit-norm decoder rows.</param>
/// <param name="NormalizeSaeDecoder">Decoder rows kept at unit norm during training (<c>normalize_sae_decoder</c>).</param>
/// <param name="TiedDecoder">Decoder tied to the encoder's transpose in training (Glassbox field <c>tied_decoder</c>).</param>
/// <param name="ContextSize">Tokens per training sequence (<c>context_size</c>).</param>
/// <param name="DatasetPath">Corpus the activations came from (<c>dataset_path</c>).</param>
/// <param name="TrainingTokens">Activation vectors seen in training (<c>training_tokens</c>).</param>
/// <param name="Seed">Training seed (<c>seed</c>).</param>
/// <param name="ActivationScalingFactor">Input scale folded into the weights (Glassbox field
/// <c>activation_scaling_factor</c>; 1 when training did not normalise).</param>
public sealed record SaeConfig(
    int DIn,
    int DSae,
    string HookName,
    int HookLayer,
    string ModelName,
    string Dtype = "float32",
    bool ApplyBDecToInput = true,
    double L1Coefficient = 0,
    bool ScaleSparsityPenaltyByDecoderNorm = true,
    bool NormalizeSaeDecoder = false,
    bool TiedDecoder = false,
    int ContextSize = 128,
    string DatasetPath = "",
    long TrainingTokens = 0,
    int Seed = 0,
    double ActivationScalingFactor = 1
)
{
    /// <summary>The file name of the config inside a checkpoint folder.</summary>
    public const string FileName = "cfg.json";

    // SAELens field names that start with "hook" + "_". They name JSON fields, not hook points, but the rule that hook
    // names are spelled only in Glassbox.Runtime scans for the pattern, so they are assembled here once.
    private const string HookPrefix = "hook" + "_";

    /// <summary>The cfg.json field holding the hook's full name (SAELens <c>hook_name</c>).</summary>
    public const string HookNameField = HookPrefix + "name";

    /// <summary>The cfg.json field holding the hook's layer (SAELens <c>hook_layer</c>).</summary>
    public const string HookLayerField = HookPrefix + "layer";

    private const string HookHeadField = HookPrefix + "head_index";

    /// <summary>The cfg.json text (SAELens layout plus the Glassbox fields above).</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("architecture", "standard");
            w.WriteNumber("d_in", DIn);
            w.WriteNumber("d_sae", DSae);
            w.WriteString("activation_fn_str", "relu");
            w.WriteStartObject("activation_fn_kwargs");
            w.WriteEndObject();
            w.WriteBoolean("apply_b_dec_to_input", ApplyBDecToInput);
            w.WriteBoolean("finetuning_scaling_factor", false);
            w.WriteNumber("context_size", ContextSize);
            w.WriteString("model_name", ModelName);
            w.WriteString(HookNameField, HookName);
            w.WriteNumber(HookLayerField, HookLayer);
            w.WriteNull(HookHeadField);
            w.WriteBoolean("prepend_bos", true);
            w.WriteString("dataset_path", DatasetPath);
            w.WriteString("dtype", Dtype);
            w.WriteString("device", "cpu");
            w.WriteString("normalize_activations", "none");
            w.WriteNull("neuronpedia_id");
            w.WriteStartObject("model_from_pretrained_kwargs");
            w.WriteEndObject();
            w.WriteNull("sae_lens_training_version");
            w.WriteNumber("l1_coefficient", L1Coefficient);
            w.WriteNumber("lp_norm", 1);
            w.WriteBoolean("scale_sparsity_penalty_by_decoder_norm", ScaleSparsityPenaltyByDecoderNorm);
            w.WriteBoolean("normalize_sae_decoder", NormalizeSaeDecoder);
            w.WriteNumber("training_tokens", TrainingTokens);
            w.WriteNumber("seed", Seed);
            w.WriteBoolean("tied_decoder", TiedDecoder);
            w.WriteNumber("activation_scaling_factor", ActivationScalingFactor);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Parses and validates a cfg.json; every problem is one line naming <paramref name="path"/> and the field.</summary>
    /// <exception cref="ModelFormatException">Malformed JSON, a missing or mistyped field, an out-of-range value or an
    /// SAE kind this loader does not implement (architecture, activation, normalisation, head index).</exception>
    public static SaeConfig Parse(string json, string path) => Parse(Encoding.UTF8.GetBytes(json), path);

    /// <summary>Reads and validates a cfg.json from its bytes (checked to be UTF-8 whose strings all decode).</summary>
    /// <exception cref="ModelFormatException">One line naming <paramref name="path"/> and the field at fault.</exception>
    public static SaeConfig Parse(ReadOnlyMemory<byte> utf8, string path)
    {
        var doc = JsonText.Parse(utf8, path, (m, inner) => new ModelFormatException(m, inner));
        using (doc)
        {
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException($"{path}: expected a JSON object");
            Require(r, path, "architecture", "standard", required: false);
            Require(r, path, "activation_fn_str", "relu", required: false);
            Require(r, path, "normalize_activations", "none", required: false);
            if (r.TryGetProperty(HookHeadField, out var head) && head.ValueKind != JsonValueKind.Null)
                throw new ModelFormatException(
                    $"{path}: field '{HookHeadField}' must be null (per-head SAEs are not supported)"
                );
            if (Bool(r, path, "finetuning_scaling_factor", false))
                throw new ModelFormatException(
                    $"{path}: field 'finetuning_scaling_factor' must be false (not supported)"
                );
            var cfg = new SaeConfig(
                Int(r, path, "d_in"),
                Int(r, path, "d_sae"),
                Str(r, path, HookNameField),
                Int(r, path, HookLayerField, min: 0),
                Str(r, path, "model_name"),
                Str(r, path, "dtype"),
                Bool(r, path, "apply_b_dec_to_input", true),
                Num(r, path, "l1_coefficient", 0),
                Bool(r, path, "scale_sparsity_penalty_by_decoder_norm", true),
                Bool(r, path, "normalize_sae_decoder", false),
                Bool(r, path, "tied_decoder", false),
                r.TryGetProperty("context_size", out _) ? Int(r, path, "context_size") : 128,
                r.TryGetProperty("dataset_path", out var ds) && ds.ValueKind == JsonValueKind.String
                    ? ds.GetString()!
                    : "",
                OptionalLong(r, path, "training_tokens"),
                (int)OptionalLong(r, path, "seed", int.MinValue, int.MaxValue),
                Num(r, path, "activation_scaling_factor", 1)
            );
            if (cfg.Dtype != "float32")
                throw new ModelFormatException(
                    $"{path}: field 'dtype' is '{cfg.Dtype}'; only float32 SAEs are supported"
                );
            return cfg;
        }
    }

    private static void Require(JsonElement r, string path, string field, string expected, bool required)
    {
        if (!r.TryGetProperty(field, out var v))
        {
            if (required)
                throw new ModelFormatException($"{path}: missing field '{field}'");
            return;
        }
        if (v.ValueKind != JsonValueKind.String || v.GetString() != expected)
            throw new ModelFormatException(
                $"{path}: field '{field}' is {v.GetRawText()}; only \"{expected}\" is supported"
            );
    }

    private static JsonElement Field(JsonElement r, string path, string field) =>
        r.TryGetProperty(field, out var v) ? v : throw new ModelFormatException($"{path}: missing field '{field}'");

    private static int Int(JsonElement r, string path, string field, int min = 1)
    {
        var v = Field(r, path, field);
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int x))
            throw new ModelFormatException($"{path}: field '{field}' must be a whole number, got {v.GetRawText()}");
        if (x < min)
            throw new ModelFormatException(
                string.Create(CultureInfo.InvariantCulture, $"{path}: field '{field}' must be at least {min}, got {x}")
            );
        return x;
    }

    private static string Str(JsonElement r, string path, string field)
    {
        var v = Field(r, path, field);
        if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
            throw new ModelFormatException($"{path}: field '{field}' must be a non-empty string, got {v.GetRawText()}");
        return v.GetString()!;
    }

    private static bool Bool(JsonElement r, string path, string field, bool fallback)
    {
        if (!r.TryGetProperty(field, out var v))
            return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelFormatException($"{path}: field '{field}' must be true or false, got {v.GetRawText()}"),
        };
    }

    private static double Num(JsonElement r, string path, string field, double fallback)
    {
        if (!r.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
            return fallback;
        if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble()) || v.GetDouble() < 0)
            throw new ModelFormatException(
                $"{path}: field '{field}' must be a finite number ≥ 0, got {v.GetRawText()}"
            );
        return v.GetDouble();
    }

    // An optional integer field: absent or null is 0; anything but an integer in range is refused, never ignored.
    private static long OptionalLong(JsonElement r, string path, string field, long min = 0, long max = long.MaxValue)
    {
        if (!r.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
            return 0;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long x) || x < min || x > max)
            throw new ModelFormatException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: field '{field}' must be an integer from {min} to {max}"
                )
            );
        return x;
    }
}
