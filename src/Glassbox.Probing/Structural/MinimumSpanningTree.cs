using System.Globalization;

namespace Glassbox.Probing.Structural;

/// <summary>Minimum spanning tree by Prim's algorithm on a dense symmetric distance matrix, O(n²).</summary>
public static class MinimumSpanningTree
{
    /// <summary>
    /// The minimum spanning tree over the words whose <paramref name="include"/> flag is true (all when null), as
    /// undirected 0-based edges with the smaller index first. Ties go to the lower index, so the result is
    /// deterministic. Only the upper or lower triangle needs to be meaningful: the weight of {i, j} is read as
    /// <c>distances[min(i,j), max(i,j)]</c>.
    /// </summary>
    public static IReadOnlyList<(int A, int B)> Prim(float[,] distances, bool[]? include = null)
    {
        int n = distances.GetLength(0);
        if (distances.GetLength(1) != n)
            throw new GlassboxException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"distance matrix is {n}x{distances.GetLength(1)}, expected square"
                )
            );
        if (include != null && include.Length != n)
            throw new GlassboxException(
                string.Create(CultureInfo.InvariantCulture, $"{include.Length} include flags for {n} words")
            );
        var nodes = new List<int>(n);
        for (int i = 0; i < n; i++)
            if (include == null || include[i])
                nodes.Add(i);
        var edges = new List<(int, int)>(Math.Max(0, nodes.Count - 1));
        if (nodes.Count < 2)
            return edges;

        int m = nodes.Count;
        var inTree = new bool[m];
        var best = new float[m];
        var bestFrom = new int[m];
        Array.Fill(best, float.PositiveInfinity);
        inTree[0] = true;
        int last = 0;
        for (int added = 1; added < m; added++)
        {
            int pick = -1;
            for (int k = 0; k < m; k++)
            {
                if (inTree[k])
                    continue;
                float w = Weight(distances, nodes[last], nodes[k]);
                if (w < best[k])
                {
                    best[k] = w;
                    bestFrom[k] = last;
                }
                if (pick < 0 || best[k] < best[pick])
                    pick = k;
            }
            inTree[pick] = true;
            edges.Add(DependencyTree.Ordered(nodes[bestFrom[pick]], nodes[pick]));
            last = pick;
        }
        return edges;
    }

    /// <summary>Prim on an integer matrix (e.g. gold tree distances).</summary>
    public static IReadOnlyList<(int A, int B)> Prim(int[,] distances, bool[]? include = null)
    {
        int n = distances.GetLength(0),
            c = distances.GetLength(1);
        var f = new float[n, c];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++)
            f[i, j] = distances[i, j];
        return Prim(f, include);
    }

    private static float Weight(float[,] d, int i, int j) => i < j ? d[i, j] : d[j, i];
}
