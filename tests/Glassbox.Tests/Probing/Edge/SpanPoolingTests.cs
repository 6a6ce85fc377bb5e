using Glassbox.Probing.Edge;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Probing.Edge;

public class SpanPoolingTests
{
    // 5 word rows of width 3.
    private static Tensor Words() => tensor(new float[] { 1, 2, 3, 4, -5, 6, 7, 8, -9, 0, 1, 0, -2, 0, 2 }).view(5, 3);

    // Spans: rows 0-1, row 2 alone, rows 1-4.
    private static readonly SpanRows Spans = new(new long[] { 0, 2, 1 }, new[] { 2, 1, 4 });

    [Fact]
    public void Should_mean_pool_each_span_exactly()
    {
        using var w = Words();
        using var m = SpanPool.Pool(w, Spans, SpanPooling.Mean);
        Assert.Equal(new long[] { 3, 3 }, m.shape);
        var v = m.data<float>().ToArray();
        Assert.Equal(new[] { 2.5f, -1.5f, 4.5f, 7f, 8f, -9f, 9f / 4, 4f / 4, -1f / 4 }, v, new FloatEq());
    }

    [Fact]
    public void Should_max_pool_each_span_exactly()
    {
        using var w = Words();
        using var m = SpanPool.Pool(w, Spans, SpanPooling.Max);
        var v = m.data<float>().ToArray();
        Assert.Equal(new[] { 4f, 2f, 6f, 7f, 8f, -9f, 7f, 8f, 6f }, v, new FloatEq());
    }

    [Fact]
    public void Should_give_attention_weights_that_sum_to_one_per_span_and_match_mean_at_zero()
    {
        using var w = Words();
        using var a = tensor(new float[] { 0.3f, -0.2f, 0.1f });
        using var weights = SpanPool.AttentionWeights(w, Spans, a);
        var wv = weights.data<float>().ToArray();
        Assert.Equal(7, wv.Length);
        Assert.Equal(1f, wv[0] + wv[1], 5);
        Assert.Equal(1f, wv[2], 5);
        Assert.Equal(1f, wv[3] + wv[4] + wv[5] + wv[6], 5);
        Assert.NotEqual(wv[0], wv[1]); // a non-zero vector does not give uniform weights
        // Row 2 of span 0 (row 1) has the larger score 4*0.3+5*0.2+6*0.1 = 2.8 vs 1*0.3-0.4+0.3 = 0.2.
        Assert.True(wv[1] > wv[0]);
        using var zero = zeros(3);
        using var att = SpanPool.Pool(w, Spans, SpanPooling.Attention, zero);
        using var mean = SpanPool.Pool(w, Spans, SpanPooling.Mean);
        Assert.True(att.allclose(mean, 1e-5, 1e-6));
    }

    [Fact]
    public void Should_pass_gradients_to_the_attention_vector()
    {
        using var w = Words();
        using var a = zeros(3).requires_grad_(true);
        using var pooled = SpanPool.Attention(w, Spans, a);
        pooled.sum().backward();
        Assert.NotNull(a.grad);
        Assert.True(a.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Should_pool_in_chunks_like_in_one_go()
    {
        // More gathered rows than one chunk holds: results must equal the direct computation.
        int n = SpanPool.ChunkRows / 8 + 10;
        using var w = randn(40, 4, generator: new Generator(1));
        var rng = new Random(0);
        var first = new long[n];
        var len = new int[n];
        for (int i = 0; i < n; i++)
        {
            len[i] = 1 + rng.Next(10);
            first[i] = rng.Next(40 - len[i]);
        }
        var spans = new SpanRows(first, len);
        using var chunked = SpanPool.Pool(w, spans, SpanPooling.Max);
        using var direct = SpanPool.Max(w, spans);
        Assert.True(chunked.allclose(direct, 0, 0));
    }

    private sealed class FloatEq : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) < 1e-5;

        public int GetHashCode(float obj) => 0;
    }
}
