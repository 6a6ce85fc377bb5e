using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;

namespace Glassbox.Neurons.Explanations;

/// <summary>Lists of units for batch commands: <c>3.0-3.99</c>, <c>3.0-99</c>, <c>hook:0-15</c>, or a comma-separated
/// mix with single units (<c>3.17,2.5</c>); or a seeded random sample of one layer's MLP neurons.</summary>
public static class UnitList
{
    /// <summary>Parses a list, checking every unit against the model.</summary>
    /// <exception cref="InputException">A malformed item, a range across hooks, or a unit out of range.</exception>
    public static IReadOnlyList<UnitRef> Parse(string text, ModelConfig config, string argument = "--units")
    {
        ArgumentNullException.ThrowIfNull(text);
        var units = new List<UnitRef>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int dash = raw.LastIndexOf('-');
            if (dash <= 0)
            {
                units.Add(UnitRef.Parse(raw, config, argument));
                continue;
            }
            var first = UnitRef.Parse(raw[..dash], config, argument);
            string end = raw[(dash + 1)..];
            int sep = Math.Max(end.LastIndexOf(':'), end.LastIndexOf('.'));
            var last = sep < 0 ? null : UnitRef.Parse(end, config, argument);
            if (last is not null && (last.Hook != first.Hook || last.Sae != first.Sae))
                throw new InputException($"{argument}: range '{raw}' spans two hooks; a range stays within one hook");
            int lastIndex = last?.Index ?? ParseIndex(end, raw, argument);
            var checkedLast = UnitRef.Parse((first with { Index = lastIndex }).ToString(), config, argument);
            if (checkedLast.Index < first.Index)
                throw new InputException($"{argument}: range '{raw}' ends before it starts");
            for (int i = first.Index; i <= checkedLast.Index; i++)
                units.Add(first with { Index = i });
        }
        if (units.Count == 0)
            throw new InputException($"{argument}: no units given");
        return units.Distinct().ToList();
    }

    /// <summary><paramref name="count"/> distinct MLP neurons of <paramref name="layer"/>, drawn with a seeded
    /// <see cref="Random"/>, in increasing index order.</summary>
    /// <exception cref="InputException">No MLP, a layer out of range or more neurons than the layer has.</exception>
    public static IReadOnlyList<UnitRef> Random(ModelConfig config, int layer, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.HasMlp)
            throw new InputException("--random: the model has no MLP neurons");
        if (layer < 0 || layer >= config.NLayers)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--layer: layer {layer} is out of range (the model has {config.NLayers})"
                )
            );
        if (count < 1 || count > config.DMlp)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"--random: {count} neurons asked, a layer has 1..{config.DMlp}"
                )
            );
        var all = Enumerable.Range(0, config.DMlp).ToArray();
        new System.Random(seed).Shuffle(all);
        string hook = HookPoints.MlpPost.Name(layer);
        return all.Take(count).Order().Select(i => new UnitRef(hook, i)).ToList();
    }

    private static int ParseIndex(string s, string raw, string argument) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            ? i
            : throw new InputException($"{argument}: '{raw}' is not a unit range (e.g. 3.0-3.99 or 3.0-99)");
}
