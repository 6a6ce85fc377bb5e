using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Loading;

/// <summary>Strict comparison of a canonical weight dictionary against <see cref="ParameterLayout"/>.</summary>
internal static class LayoutCheck
{
    /// <summary>Every missing name, unexpected name and shape mismatch, one line each (empty when all is well).</summary>
    public static List<string> Problems(ModelConfig c, IReadOnlyDictionary<string, Tensor> weights)
    {
        var problems = new List<string>();
        var layout = ParameterLayout.For(c);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in layout)
        {
            names.Add(spec.Name);
            if (!weights.TryGetValue(spec.Name, out var t))
                problems.Add($"missing '{spec.Name}' (expected shape {spec.ShapeText})");
            else if (!t.shape.SequenceEqual(spec.Shape))
                problems.Add($"shape mismatch for '{spec.Name}': expected {spec.ShapeText}, got {ShapeText(t.shape)}");
        }
        foreach (var n in weights.Keys.Where(n => !names.Contains(n)).OrderBy(n => n, StringComparer.Ordinal))
            problems.Add($"unexpected '{n}'");
        return problems;
    }

    /// <summary>A shape as text, e.g. "[768, 2304]".</summary>
    public static string ShapeText(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
