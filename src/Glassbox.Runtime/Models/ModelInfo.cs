using Glassbox.Hooks;

namespace Glassbox.Models;

/// <summary>Machine-readable model description (glassbox info --json, the explorer's overview page).</summary>
/// <param name="Name">Display name.</param>
/// <param name="Source">Where the model was loaded from.</param>
/// <param name="Config">Every config field as text.</param>
/// <param name="ParameterCounts">Parameters per component group, and the total.</param>
/// <param name="Hooks">Every hook point with its shape.</param>
public sealed record ModelInfo(
    string Name,
    ModelSource? Source,
    IReadOnlyDictionary<string, string> Config,
    IReadOnlyDictionary<string, long> ParameterCounts,
    IReadOnlyList<HookInfo> Hooks
)
{
    /// <summary>The description of a loaded model.</summary>
    public static ModelInfo Of(HookedTransformer m)
    {
        var c = m.Config;
        var cfg = typeof(ModelConfig)
            .GetProperties()
            .Where(p => p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, p => p.GetValue(c)?.ToString() ?? "-");
        var counts = new SortedDictionary<string, long>();
        // From the layout rather than the resident tensors, so a layer-streaming model reports its blocks too.
        foreach (var (name, shape) in ParameterLayout.For(c).Select(p => (p.Name, p.Shape)))
        {
            string group =
                name.StartsWith("blocks.", StringComparison.Ordinal)
                    ? (
                        name.Contains(".attn.", StringComparison.Ordinal) ? "attention"
                        : name.Contains(".mlp.", StringComparison.Ordinal) ? "mlp"
                        : "norms"
                    )
                : name.StartsWith("unembed", StringComparison.Ordinal) ? "unembedding"
                : name.Contains("ln", StringComparison.Ordinal) ? "norms"
                : "embeddings";
            counts[group] = counts.GetValueOrDefault(group) + shape.Aggregate(1L, (a, b) => a * b);
        }
        counts["total"] = m.ParameterCount;
        var hooks = m.HookNames.Select(h => new HookInfo(h, HookName.LayerOf(h), HookShapes.Text(h))).ToList();
        return new ModelInfo(m.Name, m.Source, cfg, counts, hooks);
    }
}

/// <summary>One hook point and its shape.</summary>
/// <param name="Name">Hook name.</param>
/// <param name="Layer">Block index, or null for model-level hooks.</param>
/// <param name="Shape">Shape as text, e.g. [batch, pos, d_model].</param>
public sealed record HookInfo(string Name, int? Layer, string Shape);
