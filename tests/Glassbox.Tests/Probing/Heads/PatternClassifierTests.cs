using Glassbox.Probing.Heads;
using Glassbox.Views;

namespace Glassbox.Tests.Probing.Heads;

public sealed class PatternClassifierTests
{
    private static AttentionPattern Classify(float[,] map)
    {
        var s = SentenceAttention.FromMaps(new[] { new[] { map } }, SyntheticAttention.Plain(map.GetLength(0)));
        return PatternClassifier.Classify(PatternClassifier.Features(s, 0, 0));
    }

    [Fact]
    public void Should_label_hand_made_vertical_diagonal_block_and_heterogeneous_maps()
    {
        int n = 20;
        Assert.Equal(AttentionPattern.Vertical, Classify(SyntheticAttention.Map(n, _ => 0)));
        Assert.Equal(AttentionPattern.Diagonal, Classify(SyntheticAttention.Map(n, q => Math.Max(q - 1, 0))));
        Assert.Equal(AttentionPattern.Block, Classify(SyntheticAttention.Map(n, q => q >= 3 ? q - 3 : q + 3)));
        Assert.Equal(AttentionPattern.Heterogeneous, Classify(SyntheticAttention.Map(n, _ => -1)));
        Assert.Equal(AttentionPattern.Heterogeneous, Classify(SyntheticAttention.Map(n, q => (q * 7 + 10) % n)));
    }

    [Fact]
    public void Should_count_head_classes_per_layer()
    {
        int n = 12;
        var s = SentenceAttention.FromMaps(
            new[]
            {
                new[] { SyntheticAttention.Map(n, _ => 0), SyntheticAttention.Map(n, q => q) },
                new[] { SyntheticAttention.Map(n, _ => -1), SyntheticAttention.Map(n, _ => n - 1) },
            },
            SyntheticAttention.Plain(n)
        );
        var r = PatternClassifier.ClassifyHeads(new[] { s, s });
        Assert.Equal(AttentionPattern.Diagonal, r.Labels[0][1]);
        Assert.Equal(AttentionPattern.Vertical, r.Labels[1][1]);
        Assert.Equal(0.5, r.HeadFraction[AttentionPattern.Vertical], 6);
        Assert.Equal(0.25, r.HeadFraction[AttentionPattern.Heterogeneous], 6);
        Assert.Equal(0.5, r.LayerFraction[0][AttentionPattern.Diagonal], 6);
        Assert.Equal(0.0, r.LayerFraction[1][AttentionPattern.Diagonal], 6);
    }

    [Fact]
    public void Should_use_segments_for_block_mass_of_sentence_pairs()
    {
        int n = 10;
        var seg = Enumerable.Range(0, n).Select(i => i < 5 ? 0 : 1).ToArray();
        var roles = SyntheticAttention.Plain(n) with { Segments = seg };
        int[] target = { 2, 3, 4, 1, 2, 7, 8, 5, 6, 7 }; // same segment, distance 2 or 3, never the first or last token
        var map = SyntheticAttention.Map(n, q => target[q]);
        var s = SentenceAttention.FromMaps(new[] { new[] { map } }, roles);
        var f = PatternClassifier.Features(s, 0, 0, new PatternClassOptions { BlockWindow = 1 });
        Assert.Equal(1.0, f.Block, 6);
        var single = PatternClassifier.Features(
            SentenceAttention.FromMaps(new[] { new[] { map } }, SyntheticAttention.Plain(n)),
            0,
            0,
            new PatternClassOptions { BlockWindow = 1 }
        );
        Assert.Equal(0.0, single.Block, 6); // without segments, window 1 leaves no block band
    }
}
