using System.Globalization;

namespace Glassbox.Views;

/// <summary>The attention patterns of every head for one input, padding removed, as a flat array
/// [layer, head, query, key] (row-major; each query row sums to 1 over the keys), with the roles of its tokens.</summary>
public sealed class SentenceAttention
{
    /// <summary>Number of layers.</summary>
    public int Layers { get; }

    /// <summary>Heads per layer.</summary>
    public int Heads { get; }

    /// <summary>Number of tokens (no padding).</summary>
    public int Length { get; }

    /// <summary>Token roles (ids, punctuation, specials, words).</summary>
    public TokenRoles Roles { get; }

    /// <summary>The patterns, flat [layer, head, query, key].</summary>
    public float[] Pattern { get; }

    /// <summary>Wraps patterns of shape [layer, head, n, n] given flat.</summary>
    /// <exception cref="InputException">The array size does not match the shape or the roles.</exception>
    public SentenceAttention(int layers, int heads, float[] pattern, TokenRoles roles)
    {
        int n = roles.Length;
        if (layers < 1 || heads < 1 || pattern.Length != (long)layers * heads * n * n)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"attention pattern has {pattern.Length} values, expected {layers}×{heads}×{n}×{n}"
                )
            );
        Layers = layers;
        Heads = heads;
        Length = n;
        Roles = roles;
        Pattern = pattern;
    }

    /// <summary>Offset of map (layer, head) in <see cref="Pattern"/>.</summary>
    public int Offset(int layer, int head) => (layer * Heads + head) * Length * Length;

    /// <summary>Attention weight of query <paramref name="q"/> on key <paramref name="k"/>.</summary>
    public float At(int layer, int head, int q, int k) => Pattern[Offset(layer, head) + q * Length + k];

    /// <summary>One head's map as a 2-D array [query, key].</summary>
    public float[,] Map(int layer, int head)
    {
        var m = new float[Length, Length];
        int o = Offset(layer, head);
        for (int q = 0; q < Length; q++)
        for (int k = 0; k < Length; k++)
            m[q, k] = Pattern[o + q * Length + k];
        return m;
    }

    /// <summary>The mean over heads of one layer's maps [query, key].</summary>
    public float[,] MeanOverHeads(int layer)
    {
        var m = new float[Length, Length];
        for (int h = 0; h < Heads; h++)
        {
            int o = Offset(layer, h);
            for (int q = 0; q < Length; q++)
            for (int k = 0; k < Length; k++)
                m[q, k] += Pattern[o + q * Length + k] / Heads;
        }
        return m;
    }

    /// <summary>Builds an instance from one 2-D map per (layer, head): <paramref name="maps"/>[layer][head] is [n, n].
    /// Handy for synthetic tests.</summary>
    public static SentenceAttention FromMaps(IReadOnlyList<IReadOnlyList<float[,]>> maps, TokenRoles roles)
    {
        int layers = maps.Count,
            heads = maps[0].Count,
            n = roles.Length;
        var flat = new float[layers * heads * n * n];
        for (int l = 0; l < layers; l++)
        for (int h = 0; h < heads; h++)
        {
            var m = maps[l][h];
            if (m.GetLength(0) != n || m.GetLength(1) != n)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"map L{l}H{h} is {m.GetLength(0)}×{m.GetLength(1)}, expected {n}×{n}"
                    )
                );
            int o = (l * heads + h) * n * n;
            for (int q = 0; q < n; q++)
            for (int k = 0; k < n; k++)
                flat[o + q * n + k] = m[q, k];
        }
        return new SentenceAttention(layers, heads, flat, roles);
    }
}
