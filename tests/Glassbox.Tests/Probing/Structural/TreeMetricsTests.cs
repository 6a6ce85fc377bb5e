using Glassbox.Probing.Structural;
using Glassbox.Statistics;

namespace Glassbox.Tests.Probing.Structural;

public class TreeMetricsTests
{
    // "The cat sat on the mat": The->cat, cat->sat, sat=root, on->mat, the->mat, mat->sat.
    private static readonly int[] Heads = { 2, 3, 0, 6, 6, 3 };

    [Fact]
    public void Should_compute_gold_distances_and_depths_of_a_hand_made_tree()
    {
        var d = DependencyTree.Distances(Heads);
        int[,] expected =
        {
            { 0, 1, 2, 4, 4, 3 },
            { 1, 0, 1, 3, 3, 2 },
            { 2, 1, 0, 2, 2, 1 },
            { 4, 3, 2, 0, 2, 1 },
            { 4, 3, 2, 2, 0, 1 },
            { 3, 2, 1, 1, 1, 0 },
        };
        Assert.Equal(expected, d);
        Assert.Equal(new[] { 2, 1, 0, 2, 2, 1 }, DependencyTree.Depths(Heads));
        Assert.Equal(2, DependencyTree.Root(Heads));
        Assert.Equal(new[] { (0, 1), (1, 2), (3, 5), (4, 5), (2, 5) }, DependencyTree.Edges(Heads));
    }

    [Fact]
    public void Should_reject_trees_with_cycles_or_two_roots()
    {
        Assert.Throws<GlassboxException>(() => DependencyTree.Validate(new[] { 2, 1, 0 }));
        Assert.Throws<GlassboxException>(() => DependencyTree.Validate(new[] { 0, 0 }));
        Assert.Throws<GlassboxException>(() => DependencyTree.Validate(new[] { 4, 0 }));
        DependencyTree.Validate(Heads);
    }

    [Fact]
    public void Should_match_a_hand_computed_spearman_with_ties()
    {
        // ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4]; Pearson of ranks = 4.5 / sqrt(4.5 * 5).
        double rho = Spearman.Correlation(new double[] { 1, 2, 2, 3 }, new double[] { 10, 30, 20, 40 });
        Assert.Equal(4.5 / Math.Sqrt(22.5), rho, 12);
        Assert.Equal(new[] { 1.0, 2.5, 2.5, 4.0 }, Spearman.Ranks(new double[] { 1, 2, 2, 3 }));
        Assert.True(double.IsNaN(Spearman.Correlation(new double[] { 1, 1, 1 }, new double[] { 1, 2, 3 })));
    }

    [Fact]
    public void Should_give_uuas_one_for_gold_distances_and_the_hand_counted_right_branching_score()
    {
        var gold = DependencyTree.Distances(Heads);
        var none = new bool[Heads.Length];
        Assert.Equal((5, 5), StructuralMetrics.UuasCounts(ToFloat(gold), gold, none));
        // Right-branching edges (0,1)(1,2)(2,3)(3,4)(4,5) share (0,1), (1,2) and (4,5) with the gold tree: 3 of 5.
        Assert.Equal((3, 5), StructuralEvaluation.RightBranchingCounts(Heads, none));
        Assert.Equal(0.6, StructuralEvaluation.RightBranchingUuas(new[] { Heads }, new[] { none }), 12);
    }

    [Fact]
    public void Should_leave_punctuation_out_of_gold_and_predicted_edges()
    {
        // Same sentence plus a final "." attached to the root.
        int[] heads = { 2, 3, 0, 6, 6, 3, 3 };
        bool[] punct = { false, false, false, false, false, false, true };
        var gold = DependencyTree.Distances(heads);
        // Predicted distances: gold, except that the punctuation word is at distance 0 from everything; it must not matter.
        var pred = ToFloat(gold);
        for (int i = 0; i < 7; i++)
        {
            pred[i, 6] = 0;
            pred[6, i] = 0;
        }
        Assert.Equal((5, 5), StructuralMetrics.UuasCounts(pred, gold, punct));
        Assert.Equal((3, 5), StructuralEvaluation.RightBranchingCounts(heads, punct));
        // With the "." counted: right-branching adds (5,6), gold adds (2,6); still 3 shared, of 6.
        Assert.Equal((3, 6), StructuralEvaluation.RightBranchingCounts(heads, new bool[7]));
        // Root accuracy skips punctuation even when it is predicted shallowest.
        float[] depth = { 2, 1, 0.5f, 2, 2, 1, 0 };
        Assert.True(StructuralMetrics.RootCorrect(depth, heads, punct));
        Assert.False(StructuralMetrics.RootCorrect(depth, heads, new bool[7]));
    }

    [Fact]
    public void Should_connect_gold_edges_across_punctuation_inside_the_tree()
    {
        // word 1 -> 2 (punct) -> 3 (root): without the punctuation the gold MST joins 1 and 3 directly.
        int[] heads = { 2, 3, 0 };
        bool[] punct = { false, true, false };
        var gold = DependencyTree.Distances(heads);
        Assert.Equal(new[] { (0, 2) }, StructuralMetrics.GoldEdges(gold, punct));
        Assert.Equal((1, 1), StructuralMetrics.UuasCounts(ToFloat(gold), gold, punct));
    }

    [Fact]
    public void Should_find_the_same_tree_with_prim_as_brute_force_on_five_nodes()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 20; trial++)
        {
            var w = new float[5, 5];
            for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++)
                w[i, j] = w[j, i] = (float)rng.NextDouble();
            var all = new List<(int, int)>();
            for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++)
                all.Add((i, j));
            double bestWeight = double.PositiveInfinity;
            List<(int, int)>? best = null;
            for (int mask = 0; mask < 1 << all.Count; mask++)
            {
                if (System.Numerics.BitOperations.PopCount((uint)mask) != 4)
                    continue;
                var edges = all.Where((_, k) => (mask >> k & 1) == 1).ToList();
                if (!Connected(5, edges))
                    continue;
                double total = edges.Sum(e => w[e.Item1, e.Item2]);
                if (total < bestWeight)
                {
                    bestWeight = total;
                    best = edges;
                }
            }
            var prim = MinimumSpanningTree.Prim(w);
            Assert.Equal(best!.OrderBy(e => e), prim.OrderBy(e => e));
        }
    }

    [Fact]
    public void Should_root_an_undirected_tree_into_heads()
    {
        var edges = DependencyTree.Edges(Heads);
        Assert.Equal(Heads, DependencyTree.HeadsFromEdges(6, edges, 2));
        Assert.Equal(new[] { 2, 3, 0, 6, 6, 3, -1 }, DependencyTree.HeadsFromEdges(7, edges, 2));
    }

    [Fact]
    public void Should_average_within_lengths_then_over_lengths_five_to_fifty()
    {
        var values = new[] { (5, 1.0), (5, 0.0), (6, 0.9), (4, -1.0), (51, -1.0), (6, double.NaN) };
        Assert.Equal((0.5 + 0.9) / 2, StructuralMetrics.LengthMacroAverage(values), 12);
        Assert.True(double.IsNaN(StructuralMetrics.LengthMacroAverage(new[] { (3, 1.0) })));
    }

    [Fact]
    public void Should_give_seeded_bootstrap_intervals_around_the_estimate()
    {
        var counts = Enumerable.Range(0, 50).Select(i => (i % 4 == 0 ? 1 : 3, 4)).ToList();
        var a = Bootstrap.Ratio(counts, 1000, 3);
        var b = Bootstrap.Ratio(counts, 1000, 3);
        Assert.Equal(a, b);
        double estimate = StructuralMetrics.Uuas(counts);
        Assert.True(a.Lower < estimate && estimate < a.Upper);
        Assert.True(a.Upper - a.Lower < 0.2);
    }

    internal static float[,] ToFloat(int[,] d)
    {
        var f = new float[d.GetLength(0), d.GetLength(1)];
        for (int i = 0; i < d.GetLength(0); i++)
        for (int j = 0; j < d.GetLength(1); j++)
            f[i, j] = d[i, j];
        return f;
    }

    private static bool Connected(int n, List<(int, int)> edges)
    {
        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int x) => parent[x] == x ? x : parent[x] = Find(parent[x]);
        foreach (var (a, b) in edges)
            parent[Find(a)] = Find(b);
        return Enumerable.Range(0, n).Select(Find).Distinct().Count() == 1;
    }
}
