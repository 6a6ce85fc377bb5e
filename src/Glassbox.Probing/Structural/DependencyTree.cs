using System.Globalization;

namespace Glassbox.Probing.Structural;

/// <summary>
/// Gold geometry of a dependency tree given as 1-based heads (0 = root): all-pairs path lengths in the undirected
/// tree (by breadth-first search), depths (distance to the root), undirected edges, and simple baselines.
/// </summary>
public static class DependencyTree
{
    /// <summary>Checks that <paramref name="heads"/> is a tree: heads in range, exactly one root, no cycle.</summary>
    public static void Validate(int[] heads)
    {
        int n = heads.Length,
            roots = 0;
        for (int i = 0; i < n; i++)
        {
            if (heads[i] < 0 || heads[i] > n)
                throw new GlassboxException(
                    string.Create(CultureInfo.InvariantCulture, $"word {i + 1} has head {heads[i]}, outside 0..{n}")
                );
            if (heads[i] == i + 1)
                throw new GlassboxException(
                    string.Create(CultureInfo.InvariantCulture, $"word {i + 1} is its own head")
                );
            if (heads[i] == 0)
                roots++;
        }
        if (roots != 1)
            throw new GlassboxException(
                string.Create(CultureInfo.InvariantCulture, $"{roots} roots (words with head 0), expected exactly 1")
            );
        var depth = Depths(heads);
        for (int i = 0; i < n; i++)
            if (depth[i] < 0)
                throw new GlassboxException(
                    string.Create(CultureInfo.InvariantCulture, $"word {i + 1} is not connected to the root (cycle)")
                );
    }

    /// <summary>The 0-based index of the root word (head 0).</summary>
    public static int Root(int[] heads) => Array.IndexOf(heads, 0);

    /// <summary>Undirected edges (child, head) as 0-based pairs with the smaller index first, one per non-root word.</summary>
    public static IReadOnlyList<(int A, int B)> Edges(int[] heads)
    {
        var edges = new List<(int, int)>(heads.Length);
        for (int i = 0; i < heads.Length; i++)
            if (heads[i] > 0)
                edges.Add(Ordered(i, heads[i] - 1));
        return edges;
    }

    /// <summary>All-pairs path lengths [n, n] in the undirected tree (breadth-first search from every word).</summary>
    public static int[,] Distances(int[] heads)
    {
        int n = heads.Length;
        var adj = Adjacency(n, Edges(heads));
        var d = new int[n, n];
        var queue = new int[n];
        for (int s = 0; s < n; s++)
        {
            for (int j = 0; j < n; j++)
                d[s, j] = -1;
            d[s, s] = 0;
            int head = 0,
                tail = 0;
            queue[tail++] = s;
            while (head < tail)
            {
                int u = queue[head++];
                foreach (int v in adj[u])
                    if (d[s, v] < 0)
                    {
                        d[s, v] = d[s, u] + 1;
                        queue[tail++] = v;
                    }
            }
        }
        return d;
    }

    /// <summary>Depth of every word: number of edges on its path to the root (root = 0; -1 if unreachable).</summary>
    public static int[] Depths(int[] heads)
    {
        int n = heads.Length;
        var depth = new int[n];
        Array.Fill(depth, -1);
        var path = new List<int>();
        for (int i = 0; i < n; i++)
        {
            path.Clear();
            int u = i;
            bool cycle = false;
            while (depth[u] < 0)
            {
                if (heads[u] == 0)
                {
                    depth[u] = 0;
                    break;
                }
                path.Add(u);
                if (path.Count > n)
                {
                    cycle = true;
                    break;
                }
                u = heads[u] - 1;
            }
            if (cycle)
                continue;
            for (int k = path.Count - 1; k >= 0; k--)
                depth[path[k]] = depth[u] + (path.Count - k);
        }
        return depth;
    }

    /// <summary>The right-branching baseline: each word's head is the next word, the last word is the root.</summary>
    public static int[] RightBranchingHeads(int n)
    {
        var h = new int[n];
        for (int i = 0; i < n - 1; i++)
            h[i] = i + 2;
        return h;
    }

    /// <summary>Heads obtained by rooting an undirected spanning tree (0-based edges) at <paramref name="root"/>
    /// (0-based). Words that no edge reaches (e.g. punctuation left out of the tree) get head -1; the root gets 0.</summary>
    public static int[] HeadsFromEdges(int n, IReadOnlyList<(int A, int B)> edges, int root)
    {
        var heads = new int[n];
        Array.Fill(heads, -1);
        if (root < 0 || root >= n)
            return heads;
        var adj = Adjacency(n, edges);
        heads[root] = 0;
        var queue = new Queue<int>();
        queue.Enqueue(root);
        var seen = new bool[n];
        seen[root] = true;
        while (queue.Count > 0)
        {
            int u = queue.Dequeue();
            foreach (int v in adj[u])
                if (!seen[v])
                {
                    seen[v] = true;
                    heads[v] = u + 1;
                    queue.Enqueue(v);
                }
        }
        return heads;
    }

    internal static (int, int) Ordered(int a, int b) => a < b ? (a, b) : (b, a);

    private static List<int>[] Adjacency(int n, IReadOnlyList<(int A, int B)> edges)
    {
        var adj = new List<int>[n];
        for (int i = 0; i < n; i++)
            adj[i] = new List<int>(2);
        foreach (var (a, b) in edges)
        {
            adj[a].Add(b);
            adj[b].Add(a);
        }
        return adj;
    }
}
