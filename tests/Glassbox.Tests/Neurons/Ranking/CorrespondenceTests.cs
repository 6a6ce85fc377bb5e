using Glassbox.Neurons;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Ranking;

public sealed class CorrespondenceTests
{
    private static Tensor Random(int rows, int cols, int seed)
    {
        using var g = new Generator((ulong)seed);
        return randn(rows, cols, generator: g, dtype: ScalarType.Float64);
    }

    [Fact]
    public void Should_give_cka_and_svcca_of_one_under_an_orthogonal_rotation()
    {
        using var x = Random(200, 10, 1);
        using var q = linalg.qr(Random(10, 10, 2)).Q;
        using var y = x.matmul(q);
        var s = Correspondence.Similarity(x, y);
        Assert.Equal(1.0, s.LinearCka, 6);
        Assert.Equal(1.0, s.Svcca, 6);
    }

    [Fact]
    public void Should_give_low_similarity_for_independent_representations()
    {
        using var x = Random(400, 5, 3);
        using var y = Random(400, 5, 4);
        var s = Correspondence.Similarity(x, y);
        Assert.True(s.LinearCka < 0.1, s.LinearCka.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(s.Svcca < 0.3);
    }

    [Fact]
    public void Should_rank_a_unit_copied_into_the_other_model_first()
    {
        using var a = Random(300, 6, 5);
        using var noise = Random(300, 6, 6);
        // b's unit 4 is a's unit 2 scaled; everything else is independent.
        using var b = noise.index_copy(
            1,
            tensor(new long[] { 4 }),
            a.index_select(1, tensor(new long[] { 2 })).MulScalar(3.0)
        );
        var r = Correspondence.Rank(a, [b]);
        Assert.Equal(1.0, r.MaxCorr[2], 6);
        Assert.Equal(2, Enumerable.Range(0, 6).MaxBy(u => r.MaxCorr[u]));
        Assert.Equal(2, Enumerable.Range(0, 6).MaxBy(u => r.LinReg[u]));
        Assert.True(r.LinReg[2] > 0.99);
        Assert.Equal(r.MaxCorr, r.MinCorr);
    }

    [Fact]
    public void Should_refuse_representations_of_different_rows()
    {
        using var a = Random(10, 3, 7);
        using var b = Random(11, 3, 8);
        Assert.Throws<InputException>(() => Correspondence.Similarity(a, b));
        Assert.Throws<InputException>(() => Correspondence.Rank(a, [b]));
        Assert.Throws<InputException>(() => Correspondence.Rank(a, []));
    }
}
