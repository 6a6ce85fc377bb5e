using System.Globalization;
using Glassbox.Models.Encode;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Models;

/// <summary>The managed encoder's kernels on raw float rows: products cut by size and split over any number of threads
/// give the same bits, and GELU matches libtorch's.</summary>
public sealed class EncoderKernelsTests
{
    [Fact]
    public void Should_give_the_same_products_split_over_threads_as_on_one()
    {
        var g = new Generator(7);
        foreach (
            var (m, n, k) in new[]
            {
                (3, 40, 16),
                (14, 1536, 384),
                (20, 1000, 384),
                (40, 1000, 384),
                (128, 384, 1536),
                (129, 400, 384),
                (608, 1152, 384),
            }
        )
        {
            using var x = randn(m, k, generator: g);
            using var w = randn(n, k, generator: g);
            using var bias = randn(n, generator: g);
            using var reference = nn.functional.linear(x, w, bias);
            // This machine's cut, and the cut of an 8-core machine (uneven slices on a small one too).
            foreach (int most in new[] { EncoderKernels.ProductPieces, 8 })
            {
                float[]? first = null;
                foreach (int parts in new[] { 1, 2, 3 })
                {
                    using var y = empty(m, n);
                    using var scratch = empty(m, n);
                    unsafe
                    {
                        EncoderKernels.Linear(Ptr(x), Ptr(w), Ptr(bias), Ptr(y), Ptr(scratch), m, n, k, parts, most);
                    }
                    var bits = y.data<float>().ToArray();
                    first ??= bits;
                    Assert.Equal(first, bits); // the same bits for any thread count
                    float diff = TinyModels.MaxAbsDiff(y, reference);
                    Assert.True(
                        diff <= 1e-3,
                        string.Create(CultureInfo.InvariantCulture, $"{m}x{n}x{k}/{parts}/{most}: {diff}")
                    );
                }
            }
        }
    }

    [Fact]
    public void Should_cut_products_by_their_size_and_the_machine_not_by_the_thread_count()
    {
        Assert.Equal(1, EncoderKernels.Slices(3 * 40 * 16, 8)); // too small to split
        Assert.Equal(2, EncoderKernels.Slices(14L * 1152 * 384, 8)); // batch 1: at least 2
        Assert.Equal(3, EncoderKernels.Slices(40L * 1000 * 384, 8));
        Assert.Equal(8, EncoderKernels.Slices(608L * 1152 * 384, 8)); // batch 32 on 8 or more cores: 8
        Assert.Equal(2, EncoderKernels.Slices(608L * 1152 * 384, 2)); // on 2 cores: 2
        Assert.Equal(2, EncoderKernels.Slices(608L * 1152 * 384, 1)); // never fewer than 2 once split
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 2, 8), EncoderKernels.ProductPieces);
    }

    [Fact]
    public void Should_compute_gelu_like_libtorch_over_the_whole_float_range()
    {
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 5.5f, -5.5f, 9.3f, -9.3f, 40f, -40f, 1e30f, -1e30f };
        for (int i = -2000; i <= 2000; i++)
            values.Add(i / 250f);
        using var x = tensor(values.ToArray());
        using var reference = nn.functional.gelu(x);
        using var y = x.clone();
        using var other = zeros_like(x);
        unsafe
        {
            EncoderKernels.Gelu(Ptr(y), Ptr(y), 1, values.Count, 2); // in place
            EncoderKernels.Gelu(Ptr(x), Ptr(other), 1, values.Count, 2); // into another buffer, the input kept
        }
        float diff = TinyModels.MaxAbsDiff(y, reference);
        Assert.True(diff <= 2e-6, string.Create(CultureInfo.InvariantCulture, $"max abs diff {diff}"));
        Assert.Equal(0f, TinyModels.MaxAbsDiff(other, y));
        using var input = tensor(values.ToArray());
        Assert.Equal(0f, TinyModels.MaxAbsDiff(x, input));
        using var nan = tensor(new[] { float.NaN, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f });
        unsafe
        {
            EncoderKernels.Gelu(Ptr(nan), Ptr(nan), 1, 9, 1);
        }
        Assert.True(float.IsNaN(nan[0].item<float>()));
    }

    [Fact]
    public void Should_transpose_a_product_back_exactly_with_and_without_bias()
    {
        var random = new Random(11);
        foreach (
            var (count, m, n) in new[]
            {
                (1, 1, 1),
                (7, 14, 9),
                (8, 3, 8),
                (37, 14, 50),
                (576, 14, 1152),
                (45, 128, 45),
            }
        )
        {
            var t = new float[count * m]; // [count, m]
            var bias = new float[count];
            for (int i = 0; i < t.Length; i++)
                t[i] = random.NextSingle() - 0.5f;
            for (int j = 0; j < count; j++)
                bias[j] = random.NextSingle() - 0.5f;
            foreach (bool withBias in new[] { true, false })
            {
                var y = new float[m * n]; // [m, n]: the columns past count stay untouched
                Array.Fill(y, float.NaN);
                unsafe
                {
                    fixed (
                        float* tp = t,
                            bp = bias,
                            yp = y
                    )
                        EncoderKernels.TransposeBack(tp, withBias ? bp : null, yp, count, m, n);
                }
                for (int r = 0; r < m; r++)
                for (int j = 0; j < n; j++)
                    if (j < count)
                        Assert.Equal(t[j * m + r] + (withBias ? bias[j] : 0f), y[r * n + j]);
                    else
                        Assert.True(float.IsNaN(y[r * n + j]));
            }
        }
    }

    private static unsafe float* Ptr(Tensor t) => EncoderHooks.Ptr(t);
}
