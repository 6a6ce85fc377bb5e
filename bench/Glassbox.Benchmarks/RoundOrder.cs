namespace Glassbox.Benchmarks;

/// <summary>The order of the variants within each round of a side-by-side runner: a fresh seeded random order per
/// round (seed 17, so runs repeat). In one fixed order a variant gains or loses by the one before it in every round
/// (the variant right after ONNX Runtime ran 5-13% faster, docs/benchmarks.md), and that lands on one ratio; in random
/// orders every variant follows every other about equally often.</summary>
internal sealed class RoundOrder
{
    private readonly Random _rng = new(17);

    /// <summary>The next round's order of <paramref name="variants"/>.</summary>
    public List<T> Next<T>(IEnumerable<T> variants) => variants.OrderBy(_ => _rng.Next()).ToList();
}
