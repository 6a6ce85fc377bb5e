using System.Reflection;

namespace Glassbox.Models.Families;

/// <summary>
/// Puts a config into the explicit form every family reader produces (KV heads, head width and rotary width spelled
/// out instead of 0 = default; a sliding window that no layer uses dropped), so configs compare equal after an
/// export/load round trip.
/// </summary>
public static class ConfigNormalization
{
    /// <summary>The explicit form of <paramref name="c"/>.</summary>
    /// <param name="c">A validated config.</param>
    /// <returns>A config with <see cref="ModelConfig.NKvHeads"/>, <see cref="ModelConfig.DHead"/> and <see cref="ModelConfig.RotaryDim"/> filled in.</returns>
    public static ModelConfig Normalize(ModelConfig c) =>
        c with
        {
            NKvHeads = c.KvHeads,
            DHead = c.HeadDim,
            RotaryDim = c.Positions == PositionKind.Rotary ? c.RotaryWidth : 0,
            // A window that no layer uses is no window (HF Qwen2: use_sliding_window with max_window_layers >= layers).
            SlidingWindow = c.SlidingWindowFromLayer >= c.NLayers ? 0 : c.SlidingWindow,
            SlidingWindowFromLayer =
                c.SlidingWindow == 0 || c.SlidingWindowFromLayer >= c.NLayers ? 0 : c.SlidingWindowFromLayer,
        };

    /// <summary>Names of the properties whose values differ between two configs.</summary>
    /// <param name="a">First config.</param>
    /// <param name="b">Second config.</param>
    /// <returns>"Field: a-value vs b-value" per differing property.</returns>
    public static IReadOnlyList<string> Differences(ModelConfig a, ModelConfig b)
    {
        var diffs = new List<string>();
        foreach (var p in typeof(ModelConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!p.CanWrite)
                continue;
            object? x = p.GetValue(a),
                y = p.GetValue(b);
            if (!Equals(x, y))
                diffs.Add($"{p.Name}: {x ?? "null"} vs {y ?? "null"}");
        }
        return diffs;
    }
}
