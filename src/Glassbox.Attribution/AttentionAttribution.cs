// Own max-flow (Edmonds-Karp): no graph library is in the allowed package list, and the graphs are small
// ((layers + 1) × positions nodes, layers × positions² edges).
using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Models;
using static TorchSharp.torch;

namespace Glassbox.Attribution;

/// <summary>Attention rollout and attention flow (Abnar &amp; Zuidema 2020) as token attributions. Each layer's
/// attention is averaged over heads and mixed with the residual connection as ½A + ½I (rows renormalised).
/// Rollout multiplies these matrices; flow treats them as capacities of a layered graph and takes, for every input
/// token, the maximum flow from that token at the input to the explained position at the top. Cost of flow: one
/// max-flow per input token, each O(V·E²) in the worst case with V = (L + 1)·n nodes and E = L·n² edges (Edmonds-Karp);
/// in practice a few milliseconds for n = 30, L = 6, but it grows quickly with length (use rollout for long inputs).</summary>
public static class AttentionAttribution
{
    /// <summary>The per-layer head-averaged attention [layer][query][key] of one sequence, read through the pattern hooks.</summary>
    public static double[][][] HeadAveraged(HookedTransformer model, IReadOnlyList<int> ids)
    {
        using var scope = NewDisposeScope();
        using var one = IntegratedGradients.Single(model, ids);
        var names = Enumerable.Range(0, model.Config.NLayers).Select(l => HookPoints.AttnPattern.Name(l)).ToHashSet();
        using var run = model.RunWithCache(one, names.Contains);
        var layers = new double[model.Config.NLayers][][];
        int n = ids.Count;
        for (int l = 0; l < layers.Length; l++)
        {
            var a = run.Cache[HookPoints.AttnPattern.Name(l)][0].mean([0]).to_type(ScalarType.Float64).cpu(); // [q, k]
            var flat = a.data<double>().ToArray();
            layers[l] = Enumerable.Range(0, n).Select(q => flat.AsSpan(q * n, n).ToArray()).ToArray();
        }
        return layers;
    }

    /// <summary>½A + ½I per layer with rows renormalised to sum to 1.</summary>
    public static double[][][] WithResidual(double[][][] attention) =>
        attention
            .Select(a =>
                a.Select(
                        (row, q) =>
                        {
                            var r = row.Select((v, k) => 0.5 * v + (k == q ? 0.5 : 0)).ToArray();
                            double s = r.Sum();
                            return r.Select(v => s > 0 ? v / s : 0).ToArray();
                        }
                    )
                    .ToArray()
            )
            .ToArray();

    /// <summary>Attention rollout: Ã_L ⋯ Ã_1 with Ã = ½A + ½I; returns [query][key].</summary>
    /// <param name="attention">Head-averaged attention [layer][query][key] (raw, the residual is added here).</param>
    public static double[][] Rollout(double[][][] attention)
    {
        var mixed = WithResidual(attention);
        int n = mixed[0].Length;
        var r = Enumerable
            .Range(0, n)
            .Select(i => Enumerable.Range(0, n).Select(j => i == j ? 1.0 : 0).ToArray())
            .ToArray();
        foreach (var a in mixed)
        {
            var next = new double[n][];
            for (int q = 0; q < n; q++)
            {
                next[q] = new double[n];
                for (int m = 0; m < n; m++)
                    if (a[q][m] != 0)
                        for (int k = 0; k < n; k++)
                            next[q][k] += a[q][m] * r[m][k];
            }
            r = next;
        }
        return r;
    }

    /// <summary>Attention flow to <paramref name="query"/> at the top layer from every input token: the maximum flow
    /// in the layered graph whose edge (l−1, k) → (l, q) has capacity Ã_l[q][k].</summary>
    public static double[] Flow(double[][][] attention, int query)
    {
        var mixed = WithResidual(attention);
        int L = mixed.Length,
            n = mixed[0].Length;
        var result = new double[n];
        for (int source = 0; source < n; source++)
            result[source] = MaxFlow(mixed, L, n, source, query);
        return result;
    }

    private static double MaxFlow(double[][][] cap, int L, int n, int source, int sink)
    {
        int V = (L + 1) * n;
        // Residual capacities: forward edges (l-1,k)->(l,q) and their reverses, stored densely per layer.
        var fwd = cap.Select(a => a.Select(r => r.ToArray()).ToArray()).ToArray(); // fwd[l][q][k]
        var back = cap.Select(a => a.Select(r => new double[r.Length]).ToArray()).ToArray(); // flow pushed so far
        double total = 0;
        var prev = new int[V];
        while (true)
        {
            Array.Fill(prev, -1);
            int s = source,
                t = L * n + sink;
            prev[s] = s;
            var queue = new Queue<int>();
            queue.Enqueue(s);
            while (queue.Count > 0 && prev[t] < 0)
            {
                int u = queue.Dequeue(),
                    l = u / n,
                    i = u % n;
                if (l < L)
                    for (int q = 0; q < n; q++)
                        if (fwd[l][q][i] > 1e-12 && prev[(l + 1) * n + q] < 0)
                        {
                            prev[(l + 1) * n + q] = u;
                            queue.Enqueue((l + 1) * n + q);
                        }
                if (l > 0)
                    for (int k = 0; k < n; k++)
                        if (back[l - 1][i][k] > 1e-12 && prev[(l - 1) * n + k] < 0)
                        {
                            prev[(l - 1) * n + k] = u;
                            queue.Enqueue((l - 1) * n + k);
                        }
            }
            if (prev[t] < 0)
                return total;
            double push = double.MaxValue;
            for (int v = t; v != s; v = prev[v])
                push = Math.Min(push, Residual(fwd, back, n, prev[v], v));
            for (int v = t; v != s; v = prev[v])
            {
                int u = prev[v];
                if (v / n > u / n)
                {
                    fwd[u / n][v % n][u % n] -= push;
                    back[u / n][v % n][u % n] += push;
                }
                else
                {
                    back[v / n][u % n][v % n] -= push;
                    fwd[v / n][u % n][v % n] += push;
                }
            }
            total += push;
        }
    }

    private static double Residual(double[][][] fwd, double[][][] back, int n, int u, int v) =>
        v / n > u / n ? fwd[u / n][v % n][u % n] : back[v / n][u % n][v % n];

    /// <summary>Rollout or flow of one sequence as a token attribution for position <paramref name="position"/>
    /// (null: the last token for causal models, the first ([CLS]) for encoders).</summary>
    public static TokenAttribution Attribute(
        HookedTransformer model,
        IReadOnlyList<int> ids,
        bool flow,
        int? position = null
    )
    {
        int q = position ?? (model.Config.Causal ? ids.Count - 1 : 0);
        if (q < 0 || q >= ids.Count)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"position {q} is outside the sequence of {ids.Count} tokens"
                )
            );
        var att = HeadAveraged(model, ids);
        var scores = flow ? Flow(att, q) : Rollout(att)[q];
        return new TokenAttribution
        {
            Method = flow ? "flow" : "rollout",
            Target = string.Create(
                CultureInfo.InvariantCulture,
                $"attention {(flow ? "flow to" : "rollout of")} token {q}"
            ),
            Hook = HookPoints.AttnPattern.Name(0),
            Baseline = "none",
            Ids = ids.ToArray(),
            Tokens = IntegratedGradients.Labels(model, ids),
            Scores = scores,
            Output = double.NaN,
            BaselineOutput = double.NaN,
        };
    }
}
