using Glassbox.Attribution;

namespace Glassbox.Tests.Attribution;

public sealed class AttentionAttributionTests
{
    // Layer 1: token 1 attends only to token 0; layer 2: both attend only to token 0 (causal, 2 tokens).
    private static readonly double[][][] Stack =
    [
        [
            [1, 0],
            [1, 0],
        ],
        [
            [1, 0],
            [1, 0],
        ],
    ];

    [Fact]
    public void Should_multiply_residual_mixed_attention_for_rollout()
    {
        var r = AttentionAttribution.Rollout(Stack);
        // Ã = [[1, 0], [.5, .5]] per layer; Ã·Ã = [[1, 0], [.75, .25]].
        Assert.Equal(1, r[0][0], 12);
        Assert.Equal(0, r[0][1], 12);
        Assert.Equal(0.75, r[1][0], 12);
        Assert.Equal(0.25, r[1][1], 12);
    }

    [Fact]
    public void Should_compute_max_flow_through_the_layered_graph()
    {
        // Flow to token 1 at the top: from token 0 via (1,0) 0.5 and via (1,1) 0.5 → 1; from token 1 only via (1,1) → 0.5.
        var f = AttentionAttribution.Flow(Stack, 1);
        Assert.Equal(1.0, f[0], 12);
        Assert.Equal(0.5, f[1], 12);
        Assert.Equal([1.0, 0.0], AttentionAttribution.Flow(Stack, 0));
    }

    [Fact]
    public void Should_limit_flow_by_the_narrowest_layer()
    {
        // Layer 1 lets token 1 keep ½ of itself; layer 2 mixes a third of token 0 into token 2 ... 3 tokens.
        double[][][] s =
        [
            [
                [1, 0, 0],
                [0.5, 0.5, 0],
                [0, 0, 1],
            ],
            [
                [1, 0, 0],
                [0, 1, 0],
                [0, 1, 0],
            ],
        ];
        var f = AttentionAttribution.Flow(s, 2);
        var r = AttentionAttribution.Rollout(s);
        // Ã2[2] = [0, .5, .5]; Ã1[1] = [.25, .75, 0], Ã1[2] = [0, 0, 1]. Flow from token 0: only via (1,1), whose
        // edge from token 0 has capacity .25 → .25; from token 1: via (1,1) capacity .5 ∧ .75 → .5; token 2: .5.
        Assert.Equal(0.25, f[0], 12);
        Assert.Equal(0.5, f[1], 12);
        Assert.Equal(0.5, f[2], 12);
        Assert.Equal(0.125, r[2][0], 12);
        Assert.Equal(0.375, r[2][1], 12);
        Assert.Equal(0.5, r[2][2], 12);
    }

    [Fact]
    public void Should_attribute_a_tiny_model_with_rollout_rows_summing_to_one()
    {
        using var model = TinyModels.Create("gpt2", seed: 2);
        var r = AttentionAttribution.Attribute(model, [1, 4, 9, 16], flow: false);
        Assert.Equal(1.0, r.Scores.Sum(), 6);
        var f = AttentionAttribution.Attribute(model, [1, 4, 9, 16], flow: true);
        Assert.All(f.Scores, v => Assert.InRange(v, 0.0, 1.0 + 1e-9));
        Assert.Equal("flow", f.Method);
    }
}
