using System.Globalization;

namespace Glassbox.Probing.Heads;

/// <summary>Attention flow (Abnar &amp; Zuidema 2020): the attention graph has a node per (layer, token), layer 0 being
/// the input; node (l-1, j) feeds (l, i) with capacity A'_l[i, j], the residual-augmented attention of
/// <see cref="AttentionRollout.Augment"/>. The flow of input token j to position p at layer L is the value of a
/// maximum flow from (0, j) to (L, p).</summary>
public static class AttentionFlow
{
    /// <summary>The flow from every input token to position <paramref name="position"/> at layer <paramref name="toLayer"/>.</summary>
    /// <param name="layers">Head-averaged attention of each layer, lowest first.</param>
    /// <param name="toLayer">Output layer, 1..layers.</param>
    /// <param name="position">Output position.</param>
    /// <returns>Flow value per input token.</returns>
    /// <exception cref="InputException">The layer or position is out of range.</exception>
    public static double[] Compute(IReadOnlyList<float[,]> layers, int toLayer, int position)
    {
        if (toLayer < 1 || toLayer > layers.Count)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"flow layer must be in 1..{layers.Count}, got {toLayer}")
            );
        int n = layers[0].GetLength(0);
        if (position < 0 || position >= n)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"flow position must be in 0..{n - 1}, got {position}")
            );
        var net = new FlowNetwork((toLayer + 1) * n);
        for (int l = 1; l <= toLayer; l++)
        {
            var a = AttentionRollout.Augment(layers[l - 1]);
            for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (a[i, j] > 0)
                    net.AddEdge((l - 1) * n + j, l * n + i, a[i, j]);
        }
        return Enumerable.Range(0, n).Select(j => net.Solve(j, toLayer * n + position)).ToArray();
    }
}
