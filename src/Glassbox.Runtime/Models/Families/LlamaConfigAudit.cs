using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glassbox.Models.Families;

/// <summary>
/// The config.json fields of the llama family (llama, mistral, qwen2) that change what the model computes beyond the
/// plain Llama block: sliding-window attention is applied with Hugging Face's semantics, and the features Glassbox
/// does not implement are refused with the key named, never ignored.
/// </summary>
internal static class LlamaConfigAudit
{
    /// <summary>HF MistralConfig's and Qwen2Config's default <c>sliding_window</c> when the key is absent.</summary>
    public const int DefaultWindow = 4096;

    /// <summary>HF Qwen2Config's default <c>max_window_layers</c>.</summary>
    public const int DefaultMaxWindowLayers = 28;

    private const string Full = "full_attention",
        Sliding = "sliding_attention";

    /// <summary>Refuses fields whose behaviour is not implemented.</summary>
    public static void RefuseUnimplemented(ConfigReader r, string type)
    {
        r.Unsupported("attn_logit_softcapping", "attention logit soft-capping is not implemented");
        r.Unsupported("final_logit_softcapping", "final logit soft-capping is not implemented");
        if (r.Has("partial_rotary_factor") && r.Double(1.0, "partial_rotary_factor") != 1.0)
            throw r.Error("partial_rotary_factor", "other than 1 is not supported: partial rotary is not implemented");
        if (type == "llama")
            r.Unsupported(
                "sliding_window",
                "Hugging Face Llama has no sliding window, so the value would be ignored; use model_type mistral or qwen2"
            );
        if (type != "qwen2")
            r.UnsupportedBool(
                "use_sliding_window",
                false,
                $"{type} does not read this key (Hugging Face Qwen2 does); the window comes from 'sliding_window'"
            );
    }

    /// <summary>The rotary base: <c>rope_theta</c>, or the newer <c>rope_parameters</c> object when it is given (only
    /// the "default" rope type is implemented).</summary>
    public static double RopeTheta(ConfigReader r)
    {
        if (!r.TryGetRaw("rope_parameters", out var p))
            return r.Double(10000.0, "rope_theta");
        if (p.ValueKind != JsonValueKind.Object)
            throw r.Error("rope_parameters", $"must be an object, found {p.ValueKind}");
        foreach (var key in new[] { "rope_type", "type" })
        {
            if (
                p.TryGetProperty(key, out var t) && !(t.ValueKind == JsonValueKind.String && t.GetString() == "default")
            )
                throw r.Error(
                    "rope_parameters",
                    $"has {key} = {t.GetRawText()}, which is not supported (rotary scaling is not implemented; only \"default\")"
                );
        }
        if (!p.TryGetProperty("rope_theta", out var theta))
            return r.Double(10000.0, "rope_theta");
        if (theta.ValueKind != JsonValueKind.Number || !theta.TryGetDouble(out double d) || !double.IsFinite(d))
            throw r.Error("rope_parameters", $"has rope_theta = {theta.GetRawText()}, which is not a number");
        return d;
    }

    /// <summary>The window width and the first windowed layer, as HF reads them: Mistral windows every layer with
    /// <c>sliding_window</c> (absent: 4096, null: none); Qwen2 windows layers <c>i &gt;= max_window_layers</c> only
    /// when <c>use_sliding_window</c> is true; an explicit <c>layer_types</c> list overrides the layer choice.</summary>
    public static (int Window, int FromLayer) SlidingWindow(ConfigReader r, string type, int layers)
    {
        int window,
            from;
        switch (type)
        {
            case "mistral":
                window = r.IntOrNone("sliding_window", DefaultWindow);
                from = 0;
                break;
            case "qwen2":
                window = r.Bool("use_sliding_window", false) ? r.IntOrNone("sliding_window", DefaultWindow) : 0;
                from = r.Int("max_window_layers", DefaultMaxWindowLayers);
                break;
            default:
                window = 0;
                from = 0;
                break;
        }
        if (r.TryGetRaw("layer_types", out var lt))
            from = FirstSlidingLayer(r, lt, layers, type, window);
        return (window, from);
    }

    private static int FirstSlidingLayer(ConfigReader r, JsonElement lt, int layers, string type, int window)
    {
        if (lt.ValueKind != JsonValueKind.Array)
            throw r.Error("layer_types", $"must be a list of \"{Full}\"/\"{Sliding}\", found {lt.ValueKind}");
        if (lt.GetArrayLength() != layers)
            throw r.Error(
                "layer_types",
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"lists {lt.GetArrayLength()} layers but num_hidden_layers is {layers}"
                )
            );
        int first = layers,
            i = 0;
        foreach (var e in lt.EnumerateArray())
        {
            string? kind = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            if (kind == Sliding)
                first = Math.Min(first, i);
            else if (kind != Full)
                throw r.Error(
                    "layer_types",
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"entry {i} is {e.GetRawText()}; supported: \"{Full}\", \"{Sliding}\""
                    )
                );
            else if (first < i)
                throw r.Error(
                    "layer_types",
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"has a full-attention layer {i} after sliding layer {first}; only a windowed suffix of layers is implemented"
                    )
                );
            i++;
        }
        if (first < layers && window == 0 && type == "llama")
            throw r.Error("layer_types", "names sliding layers but llama has no window width");
        return first;
    }

    /// <summary>Writes the window fields so that <see cref="SlidingWindow"/> reads the same config back.</summary>
    public static void WriteSlidingWindow(JsonObject o, ModelConfig c)
    {
        JsonNode? window = c.SlidingWindow > 0 ? JsonValue.Create(c.SlidingWindow) : null;
        switch (c.Architecture)
        {
            case "mistral":
                o["sliding_window"] = window;
                if (c.SlidingWindow > 0 && c.SlidingWindowFromLayer > 0)
                {
                    var types = new JsonArray();
                    for (int l = 0; l < c.NLayers; l++)
                        types.Add(c.IsSlidingLayer(l) ? Sliding : Full);
                    o["layer_types"] = types;
                }
                break;
            case "qwen2":
                o["use_sliding_window"] = c.SlidingWindow > 0;
                o["sliding_window"] = window;
                o["max_window_layers"] = c.SlidingWindowFromLayer;
                break;
        }
    }
}
