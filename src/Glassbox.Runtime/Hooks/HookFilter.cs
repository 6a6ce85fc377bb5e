namespace Glassbox.Hooks;

/// <summary>Cache filters that select hook names by descriptor, e.g.
/// <c>model.RunWithCache(batch, HookFilter.Of(HookPoints.AttnPattern))</c> caches every layer's pattern.</summary>
public static class HookFilter
{
    /// <summary>Selects the names of any of <paramref name="points"/> (every layer of block points). Names are parsed,
    /// not suffix-matched.</summary>
    public static Func<string, bool> Of(params HookPoint[] points)
    {
        var set = new HashSet<HookPoint>(points);
        return name => HookName.TryParse(name, out var p, out _) && set.Contains(p);
    }
}
