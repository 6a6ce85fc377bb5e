using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Neurons;

/// <summary>
/// One unit: index <see cref="Index"/> along the last axis of a hook point (an MLP neuron on <c>mlp.hook_post</c>, a
/// residual-stream dimension on <c>hook_resid_post</c>, ...) or of an SAE's feature activations. Written
/// <c>3.17</c> (layer 3, MLP neuron 17) or <c>blocks.3.hook_resid_post:17</c> (any hook), and for SAE features
/// <c>sae:blocks.3.mlp.hook_post:17</c>.
/// </summary>
/// <param name="Hook">Full hook name, e.g. <c>blocks.3.mlp.hook_post</c>.</param>
/// <param name="Index">Index along the hook's last (unit) axis, or the SAE feature index.</param>
/// <param name="Sae">True when the unit is a feature of an SAE trained on <paramref name="Hook"/>.</param>
public sealed record UnitRef(string Hook, int Index, bool Sae = false)
{
    /// <summary>The layer of <see cref="Hook"/>, or null for model-level hooks.</summary>
    public int? Layer => HookName.LayerOf(Hook);

    /// <summary>Short form: <c>3.17</c> for MLP neurons, else <c>hook:index</c> (with the <c>sae:</c> prefix).</summary>
    public override string ToString()
    {
        if (!Sae && HookName.TryParse(Hook, out var p, out var layer) && p == HookPoints.MlpPost && layer is int l)
            return string.Create(CultureInfo.InvariantCulture, $"{l}.{Index}");
        return string.Create(CultureInfo.InvariantCulture, $"{(Sae ? "sae:" : "")}{Hook}:{Index}");
    }

    /// <summary>Parses <c>L.N</c>, <c>hook:N</c> or <c>sae:hook:N</c>, checking the hook against the model and (for
    /// non-SAE units) the index against the hook's unit axis.</summary>
    /// <exception cref="InputException">Malformed, unknown hook, or index out of range; names <paramref name="argument"/>.</exception>
    public static UnitRef Parse(string text, ModelConfig config, string argument = "--unit")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(config);
        string t = text.Trim();
        bool sae = t.StartsWith("sae:", StringComparison.Ordinal);
        if (sae)
            t = t[4..];
        string hook;
        string indexText;
        int colon = t.LastIndexOf(':');
        if (colon >= 0)
        {
            hook = t[..colon];
            indexText = t[(colon + 1)..];
        }
        else
        {
            int dot = t.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || !int.TryParse(t[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
                throw new InputException(
                    $"{argument}: '{text}' is not a unit; write layer.neuron (e.g. 3.17), hook:index or sae:hook:index"
                );
            if (layer >= config.NLayers)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{argument}: layer {layer} is out of range (the model has {config.NLayers})"
                    )
                );
            hook = HookPoints.MlpPost.Name(layer);
            indexText = t[(dot + 1)..];
        }
        if (!HookName.TryParse(hook, out var point, out var hookLayer) || !point.IsPresent(config))
            throw new InputException($"{argument}: '{hook}' is not a hook point of this model");
        if (hookLayer is int hl && hl >= config.NLayers)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{argument}: layer {hl} is out of range (the model has {config.NLayers})"
                )
            );
        if (!int.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new InputException($"{argument}: '{indexText}' is not a unit index (a whole number ≥ 0)");
        if (!sae)
        {
            long width = point.ShapeFor(config, 1, 1)[^1];
            if (index >= width)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{argument}: unit {index} is out of range ({hook} has {width} units)"
                    )
                );
        }
        return new UnitRef(hook, index, sae);
    }
}
