using System.Globalization;

namespace Glassbox.Probing.Heads;

/// <summary>A directed flow network with real capacities and a maximum-flow solver (Dinic's algorithm: BFS level
/// graphs and blocking flows, O(V² E); on the layered attention graphs of <see cref="AttentionFlow"/> it needs few
/// phases). Edges can be added once; <see cref="Solve"/> can be called for many (source, sink) pairs.</summary>
public sealed class FlowNetwork
{
    private const double Eps = 1e-12;
    private readonly List<int>[] _adj;
    private readonly List<int> _to = new();
    private readonly List<double> _cap = new();
    private double[] _flow = Array.Empty<double>();

    /// <summary>Number of nodes.</summary>
    public int Nodes { get; }

    /// <summary>Creates a network with <paramref name="nodes"/> nodes and no edges.</summary>
    public FlowNetwork(int nodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        Nodes = nodes;
        _adj = Enumerable.Range(0, nodes).Select(_ => new List<int>()).ToArray();
    }

    /// <summary>Adds the edge u → v with capacity <paramref name="capacity"/> (≥ 0).</summary>
    public void AddEdge(int u, int v, double capacity)
    {
        if ((uint)u >= Nodes || (uint)v >= Nodes)
            throw new ArgumentOutOfRangeException(
                nameof(u),
                string.Create(CultureInfo.InvariantCulture, $"edge {u}→{v} outside 0..{Nodes - 1}")
            );
        if (capacity < 0 || double.IsNaN(capacity))
            throw new ArgumentOutOfRangeException(
                nameof(capacity),
                string.Create(CultureInfo.InvariantCulture, $"capacity {capacity} is negative")
            );
        _adj[u].Add(_to.Count);
        _to.Add(v);
        _cap.Add(capacity);
        _adj[v].Add(_to.Count);
        _to.Add(u);
        _cap.Add(0); // residual edge, index = forward ^ 1
    }

    /// <summary>The value of a maximum flow from <paramref name="source"/> to <paramref name="sink"/>.</summary>
    public double Solve(int source, int sink)
    {
        if (source == sink)
            throw new ArgumentException("source and sink are the same node");
        _flow = new double[_to.Count];
        var level = new int[Nodes];
        var next = new int[Nodes];
        double total = 0;
        while (Bfs(source, sink, level))
        {
            Array.Clear(next);
            double pushed;
            while ((pushed = Dfs(source, sink, double.PositiveInfinity, level, next)) > Eps)
                total += pushed;
        }
        return total;
    }

    private double Residual(int e) => _cap[e] - _flow[e];

    private bool Bfs(int s, int t, int[] level)
    {
        Array.Fill(level, -1);
        level[s] = 0;
        var queue = new Queue<int>();
        queue.Enqueue(s);
        while (queue.Count > 0)
        {
            int u = queue.Dequeue();
            foreach (int e in _adj[u])
                if (level[_to[e]] < 0 && Residual(e) > Eps)
                {
                    level[_to[e]] = level[u] + 1;
                    queue.Enqueue(_to[e]);
                }
        }
        return level[t] >= 0;
    }

    private double Dfs(int u, int t, double limit, int[] level, int[] next)
    {
        if (u == t)
            return limit;
        for (; next[u] < _adj[u].Count; next[u]++)
        {
            int e = _adj[u][next[u]],
                v = _to[e];
            if (level[v] != level[u] + 1 || Residual(e) <= Eps)
                continue;
            double got = Dfs(v, t, Math.Min(limit, Residual(e)), level, next);
            if (got > Eps)
            {
                _flow[e] += got;
                _flow[e ^ 1] -= got;
                return got;
            }
        }
        return 0;
    }
}
