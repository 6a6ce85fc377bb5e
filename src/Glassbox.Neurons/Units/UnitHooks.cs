using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>Hooks with a unit axis ([batch, pos, units]) selected by name patterns: what the store harvests and what
/// correspondence compares.</summary>
public static class UnitHooks
{
    /// <summary>Selects hooks: comma-separated globs, or every layer's MLP output activations.</summary>
    /// <param name="m">The model.</param>
    /// <param name="patterns">Comma-separated globs over hook names; null or blank selects the MLP activations.</param>
    /// <param name="option">The option the patterns came from, for error messages.</param>
    /// <exception cref="InputException">A pattern matches nothing, or a hook has no [batch, pos, units] shape.</exception>
    public static IReadOnlyList<(string Hook, int Width)> Resolve(
        HookedTransformer m,
        string? patterns,
        string option = "--hooks"
    )
    {
        var c = m.Config;
        List<string> names;
        if (string.IsNullOrWhiteSpace(patterns))
        {
            if (!c.HasMlp)
                throw new InputException($"{option}: {m.Name} has no MLP; name the hooks with units");
            names = Enumerable.Range(0, c.NLayers).Select(l => HookPoints.MlpPost.Name(l)).ToList();
        }
        else
        {
            var globs = patterns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var g in globs)
                if (!m.HookNames.Any(n => HookName.Matches(g, n)))
                {
                    string best = m.HookNames.MinBy(n => EditDistance.Levenshtein(n, g)) ?? "";
                    throw new InputException(
                        $"{option}: '{g}' matches no hook point of {m.Name}; did you mean '{best}'? (glassbox info lists every hook)"
                    );
                }
            names = m.HookNames.Where(n => globs.Any(g => HookName.Matches(g, n))).ToList();
        }
        var hooks = new List<(string, int)>();
        foreach (var name in names)
        {
            var (point, _) = HookName.Parse(name);
            var shape = point.ShapeFor(c, 1, 3);
            if (shape.Length != 3 || shape[1] != 3 || point == HookPoints.AttnPattern || point == HookPoints.AttnScores)
                throw new InputException(
                    $"{option}: {name} is shaped {point.ShapeText}; units need hooks shaped [batch, pos, units]"
                );
            hooks.Add((name, (int)shape[2]));
        }
        return hooks;
    }
}
