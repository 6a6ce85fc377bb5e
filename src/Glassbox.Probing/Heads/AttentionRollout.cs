using System.Globalization;

namespace Glassbox.Probing.Heads;

/// <summary>Attention rollout (Abnar &amp; Zuidema 2020): each layer's head-averaged attention is mixed with the
/// identity for the residual connection, A' = rownorm(0.5·A + 0.5·I), and the layers are multiplied:
/// R_l = A'_l · A'_{l-1} ⋯ A'_1. Row i of R_l says how much of position i at layer l comes from each input token.</summary>
public static class AttentionRollout
{
    /// <summary>The residual-augmented, row-normalised attention of one layer [query, key].</summary>
    public static double[,] Augment(float[,] attention)
    {
        int n = attention.GetLength(0);
        if (attention.GetLength(1) != n)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"attention map is {n}×{attention.GetLength(1)}, expected square"
                )
            );
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                a[i, j] = 0.5 * attention[i, j] + (i == j ? 0.5 : 0);
                sum += a[i, j];
            }
            if (sum > 0)
                for (int j = 0; j < n; j++)
                    a[i, j] /= sum;
        }
        return a;
    }

    /// <summary>Rollout up to layer <paramref name="toLayer"/> (1..layers; 0 gives the identity) [position, input token].</summary>
    /// <param name="layers">Head-averaged attention of each layer, lowest first (e.g. <see cref="Views.SentenceAttention.MeanOverHeads"/>).</param>
    /// <param name="toLayer">Number of layers to roll through.</param>
    /// <exception cref="InputException"><paramref name="toLayer"/> is out of range or the maps differ in size.</exception>
    public static double[,] Compute(IReadOnlyList<float[,]> layers, int toLayer)
    {
        if (toLayer < 0 || toLayer > layers.Count)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"rollout layer must be in 0..{layers.Count}, got {toLayer}"
                )
            );
        return Rollouts(layers, toLayer).Last();
    }

    /// <summary>For one output position, its rollout over the input tokens after each layer [layer 1..L][input token].</summary>
    public static double[][] PerLayer(IReadOnlyList<float[,]> layers, int position) =>
        Rollouts(layers, layers.Count)
            .Skip(1)
            .Select(r => Enumerable.Range(0, r.GetLength(1)).Select(j => r[position, j]).ToArray())
            .ToArray();

    /// <summary>R_0 = I, then R_l = A'_l · R_{l-1} for l = 1..<paramref name="toLayer"/>, each built from the previous one.</summary>
    private static IEnumerable<double[,]> Rollouts(IReadOnlyList<float[,]> layers, int toLayer)
    {
        int n = layers.Count > 0 ? layers[0].GetLength(0) : 0;
        var r = new double[n, n];
        for (int i = 0; i < n; i++)
            r[i, i] = 1;
        yield return r;
        for (int l = 0; l < toLayer; l++)
        {
            if (layers[l].GetLength(0) != n)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"layer {l} map has {layers[l].GetLength(0)} rows, expected {n}"
                    )
                );
            var a = Augment(layers[l]);
            var next = new double[n, n];
            for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
            {
                double aik = a[i, k];
                if (aik == 0)
                    continue;
                for (int j = 0; j < n; j++)
                    next[i, j] += aik * r[k, j];
            }
            r = next;
            yield return r;
        }
    }
}
