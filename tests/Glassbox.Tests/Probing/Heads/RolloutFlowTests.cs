using Glassbox.Probing.Heads;

namespace Glassbox.Tests.Probing.Heads;

public sealed class RolloutFlowTests
{
    // Layer 1: token 0 attends to itself, token 1 half/half. Layer 2: the tokens swap.
    private static readonly float[,] A1 =
    {
        { 1f, 0f },
        { 0.5f, 0.5f },
    };
    private static readonly float[,] A2 =
    {
        { 0f, 1f },
        { 1f, 0f },
    };

    [Fact]
    public void Should_match_a_hand_computed_two_layer_rollout()
    {
        // A1' = [[1, 0], [0.25, 0.75]], A2' = [[0.5, 0.5], [0.5, 0.5]], R2 = A2' A1' = [[0.625, 0.375], [0.625, 0.375]].
        var r1 = AttentionRollout.Compute(new[] { A1, A2 }, 1);
        Assert.Equal(0.25, r1[1, 0], 9);
        Assert.Equal(0.75, r1[1, 1], 9);
        var r2 = AttentionRollout.Compute(new[] { A1, A2 }, 2);
        Assert.Equal(0.625, r2[0, 0], 9);
        Assert.Equal(0.375, r2[0, 1], 9);
        Assert.Equal(0.625, r2[1, 0], 9);
        Assert.Equal(1.0, AttentionRollout.Compute(new[] { A1, A2 }, 0)[1, 1], 9);
        Assert.Throws<InputException>(() => AttentionRollout.Compute(new[] { A1, A2 }, 3));
    }

    [Fact]
    public void Should_find_the_textbook_maximum_flow()
    {
        // Cormen et al., Figure 26.1: maximum flow 23.
        var g = new FlowNetwork(6);
        g.AddEdge(0, 1, 16);
        g.AddEdge(0, 2, 13);
        g.AddEdge(2, 1, 4);
        g.AddEdge(1, 3, 12);
        g.AddEdge(3, 2, 9);
        g.AddEdge(2, 4, 14);
        g.AddEdge(4, 3, 7);
        g.AddEdge(3, 5, 20);
        g.AddEdge(4, 5, 4);
        Assert.Equal(23, g.Solve(0, 5), 9);
        Assert.Equal(23, g.Solve(0, 5), 9); // solving again starts from zero flow
        Assert.Equal(0, g.Solve(5, 0), 9);
    }

    [Fact]
    public void Should_compute_attention_flow_on_the_layered_graph()
    {
        // To position 0 after layer 2: from input 0, min(1, 0.5) + min(0.25, 0.5) = 0.75; from input 1, min(0.75, 0.5) = 0.5.
        var flow = AttentionFlow.Compute(new[] { A1, A2 }, 2, 0);
        Assert.Equal(0.75, flow[0], 9);
        Assert.Equal(0.5, flow[1], 9);
        // After one layer the flow is the augmented attention itself, as is the rollout.
        var one = AttentionFlow.Compute(new[] { A1, A2 }, 1, 1);
        Assert.Equal(0.25, one[0], 9);
        Assert.Equal(0.75, one[1], 9);
    }
}
