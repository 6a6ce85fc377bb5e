using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>MKL's packed weights give the plain product for any row count from one pack, and libtorch's version counter
/// moves with every in-place change of a tensor or of a view of it.</summary>
public sealed class MklPackedWeightTests
{
    [SkippableFact]
    public unsafe void Should_compute_the_plain_product_for_any_row_count_from_one_pack()
    {
        Skip.IfNot(MklPackedWeight.Available, "libtorch carries no MKL packed GEMM here");
        var g = new Generator(11);
        foreach (var (n, k) in new[] { (1152, 384), (384, 1536), (40, 16), (100, 37) })
        {
            using var w = randn(n, k, generator: g);
            using var packed = new MklPackedWeight(n, k, rowsHint: 16);
            packed.Pack(Ptr(w));
            foreach (int m in new[] { 1, 2, 3, 14, 31, 128, 129, 608 })
            {
                using var x = randn(m, k, generator: g);
                using var reference = nn.functional.linear(x, w); // [m, n]
                using var y = empty(m, n + 5).FillInPlace(double.NaN); // row stride n + 5: the padding stays untouched
                packed.Compute(Ptr(x), m, Ptr(y), n + 5);
                using var body = y.narrow(1, 0, n);
                float d = TinyModels.MaxAbsDiff(body, reference);
                float scale = reference.abs().max().item<float>();
                Assert.True(
                    d <= 1e-5f * scale,
                    string.Create(CultureInfo.InvariantCulture, $"{m} x {k} · {k} x {n}: max abs diff {d}")
                );
                using var pad = y.narrow(1, n, 5);
                Assert.True(pad.isnan().all().item<bool>());
            }
        }
    }

    [SkippableFact]
    public unsafe void Should_give_the_same_bits_on_every_call()
    {
        Skip.IfNot(MklPackedWeight.Available, "libtorch carries no MKL packed GEMM here");
        var g = new Generator(12);
        using var w = randn(384, 384, generator: g);
        using var x = randn(14, 384, generator: g);
        using var packed = new MklPackedWeight(384, 384);
        packed.Pack(Ptr(w));
        using var a = empty(14, 384);
        using var b = empty(14, 384);
        packed.Compute(Ptr(x), 14, Ptr(a), 384);
        packed.Pack(Ptr(w));
        packed.Compute(Ptr(x), 14, Ptr(b), 384);
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
    }

    [SkippableFact]
    public void Should_refuse_an_empty_shape_and_use_after_dispose()
    {
        Skip.IfNot(MklPackedWeight.Available, "libtorch carries no MKL packed GEMM here");
        Assert.Throws<ArgumentOutOfRangeException>(() => new MklPackedWeight(0, 4));
        var packed = new MklPackedWeight(4, 4);
        packed.Dispose();
        packed.Dispose();
        unsafe
        {
            Assert.Throws<ObjectDisposedException>(() => packed.Pack(null));
        }
    }

    private static unsafe float* Ptr(Tensor t) => Glassbox.Models.Encode.EncoderHooks.Ptr(t);

    [Fact]
    public void Should_move_the_version_with_in_place_changes_of_a_tensor_and_its_views()
    {
        using var w = zeros(6, 4);
        long? v0 = TensorVersion.Of(w);
        Assert.NotNull(v0);
        using (var same = w.narrow(0, 0, 6))
            Assert.Equal(v0, TensorVersion.Of(same));
        Assert.Equal(v0, TensorVersion.Of(w)); // reading changes nothing
        using (no_grad())
        {
            using var view = w.narrow(0, 2, 2);
            view.MulScalarInPlace(2.0);
            long? v1 = TensorVersion.Of(w);
            Assert.NotNull(v1);
            Assert.NotEqual(v0, v1);
            Assert.Equal(v1, TensorVersion.Of(view));
            using var other = ones(6, 4);
            w.copy_(other);
            Assert.NotEqual(v1, TensorVersion.Of(w));
        }
    }

    [Fact]
    public void Should_give_no_version_for_an_inference_mode_tensor()
    {
        Tensor t;
        using (inference_mode())
            t = zeros(3);
        using (t)
            Assert.Null(TensorVersion.Of(t));
    }
}
