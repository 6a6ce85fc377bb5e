// The managed encoder's kernels on raw float rows. Why our own: they replace libtorch ops whose arithmetic on a
// MiniLM-sized forward is microseconds but whose dispatch and OpenMP wake-ups are tens of microseconds each on the
// 2-vCPU machine (docs/benchmarks.md, "The managed encoder"). Products go to MKL (MklGemm); the element-wise work
// uses System.Numerics.Tensors' vectorised primitives; exact GELU's erf is vectorised here (.NET has none).
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Glassbox.Models.Encode;

/// <summary>Kernels of <see cref="ManagedEncoder"/>. Pointers address contiguous row-major float32 buffers.</summary>
internal static unsafe class EncoderKernels
{
    /// <summary>Work (multiply-adds) below which a product is not split over threads.</summary>
    private const long SplitWork = 1L << 18;

    /// <summary>Rows up to which a product is computed transposed (see <see cref="Linear"/>).</summary>
    private const int TransposedRows = 128;

    /// <summary>y[m, n] = x[m, k] · w[n, k]ᵀ + bias, the n output columns split into slices (each slice
    /// of W is contiguous) that <paramref name="parts"/> threads share. For few rows MKL is called for yᵀ = w · xᵀ into
    /// <paramref name="scratch"/> (m·n floats) and the result transposed back: on this machine that orientation's kernel
    /// is 1.4-1.8x faster at 14 rows and even at 128 (docs/benchmarks.md, "The managed encoder"). At most
    /// <paramref name="most"/> slices (0: <see cref="ProductPieces"/>).</summary>
    public static void Linear(
        float* x,
        float* w,
        float* bias,
        float* y,
        float* scratch,
        int m,
        int n,
        int k,
        int parts,
        int most = 0,
        PackedLinear? packed = null
    )
    {
        if (packed is not null && packed.Refresh(out var snapshot))
        {
            // MKL's packed form of w (same slices for any row and thread count): y written in place, bias added per row.
            For(packed.Slices, parts, s =>
            {
                packed.Compute(snapshot, s, x, m, y, n);
                var (n0, count) = packed.Columns(s);
                AddBias(y, bias, n0, count, m, n);
            });
            return;
        }
        // The cut depends on the product and the machine only, never on the thread count, so results are the same
        // bits for any number of threads (MKL may round a slice differently from the whole).
        int slices = Slices((long)m * n * k, most > 0 ? most : ProductPieces);
        int width = (n / slices + 15) / 16 * 16;
        For(slices, parts, s =>
        {
            int n0 = s * width,
                count = Math.Min(width, n - n0);
            if (count <= 0)
                return;
            if (m > TransposedRows)
            {
                MklGemm.Linear(x, w + (long)n0 * k, y + n0, m, count, k, n);
                AddBias(y, bias, n0, count, m, n);
                return;
            }
            float* t = scratch + (long)n0 * m; // [count, m]
            MklGemm.Linear(w + (long)n0 * k, x, t, count, m, k, m);
            TransposeBack(t, bias == null ? null : bias + n0, y + n0, count, m, n);
        });
    }

    /// <summary>y[r, n0 + j] += bias[n0 + j] for r &lt; m, j &lt; count (y's row stride n); nothing when bias is null.</summary>
    private static void AddBias(float* y, float* bias, int n0, int count, int m, int n)
    {
        if (bias == null)
            return;
        for (int r = 0; r < m; r++)
        {
            var row = new Span<float>(y + (long)r * n + n0, count);
            TensorPrimitives.Add(row, new ReadOnlySpan<float>(bias + n0, count), row);
        }
    }

    /// <summary>y[r, j] = t[j, r] + bias[j] for r &lt; m, j &lt; count (y's row stride n; bias may be null). Each row
    /// of y is written contiguously from eight-lane gathers of t's column: 3.1x faster than the column-by-column scalar
    /// loop it replaced (11.5 against 3.7 µs for a 576 x 14 slice on the Intel VM), whose strided writes were 6.6 % of
    /// a one-thread batch-1 forward. The same values as that loop.</summary>
    internal static void TransposeBack(float* t, float* bias, float* y, int count, int m, int n)
    {
        for (int r = 0; r < m; r++)
        {
            float* row = y + (long)r * n;
            float* column = t + r;
            int j = 0;
            if (Avx2.IsSupported)
            {
                var index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * m;
                for (; j + 8 <= count; j += 8)
                {
                    var v = Avx2.GatherVector256(column + (long)j * m, index, 4);
                    if (bias != null)
                        v += Vector256.Load(bias + j);
                    v.Store(row + j);
                }
            }
            for (; j < count; j++)
                row[j] = bias == null ? column[(long)j * m] : column[(long)j * m] + bias[j];
        }
    }

    /// <summary>output = LayerNorm(x + add) row by row (population variance, as torch's layer_norm; output may be x; add
    /// may be null); each row's √(variance + eps) goes to <paramref name="scales"/> when it is not null.</summary>
    public static void AddNorm(
        float* x,
        float* add,
        float* output,
        float* weight,
        float* bias,
        float eps,
        int rows,
        int d,
        int parts,
        float* scales = null
    ) => Rows(rows, d, parts, r =>
        {
            var row = new Span<float>(output + (long)r * d, d);
            var input = new ReadOnlySpan<float>(x + (long)r * d, d);
            if (add != null)
                TensorPrimitives.Add(input, new ReadOnlySpan<float>(add + (long)r * d, d), row);
            else if (x != output)
                input.CopyTo(row);
            float mean = TensorPrimitives.Sum<float>(row) / d;
            TensorPrimitives.Subtract(row, mean, row);
            float scale = MathF.Sqrt(TensorPrimitives.SumOfSquares<float>(row) / d + eps);
            if (scales != null)
                scales[r] = scale;
            TensorPrimitives.Multiply(row, 1f / scale, row);
            if (bias == null)
                TensorPrimitives.Multiply(row, new ReadOnlySpan<float>(weight, d), row);
            else
                TensorPrimitives.FusedMultiplyAdd(
                    row,
                    new ReadOnlySpan<float>(weight, d),
                    new ReadOnlySpan<float>(bias, d),
                    row
                );
        });

    /// <summary>Exact GELU, y = x Φ(x), over rows x d elements; <paramref name="y"/> may be <paramref name="x"/> (in
    /// place), or another buffer, so that a cached MLP input need not be copied before the activation.</summary>
    public static void Gelu(float* x, float* y, int rows, int d, int parts) =>
        Rows(rows, d, parts, r => GeluRow(x + (long)r * d, y + (long)r * d, d));

    /// <summary>Tanh GELU ("gelu_new"), the formula of the libtorch path, from <paramref name="x"/> into
    /// <paramref name="y"/> (which may be <paramref name="x"/>).</summary>
    public static void GeluTanh(float* x, float* y, int rows, int d, int parts) => Rows(rows, d, parts, r =>
        {
            var row = new ReadOnlySpan<float>(x + (long)r * d, d);
            var output = new Span<float>(y + (long)r * d, d);
            Span<float> inner = d <= 4096 ? stackalloc float[d] : new float[d];
            TensorPrimitives.Multiply(row, row, inner);
            TensorPrimitives.Multiply(inner, 0.044715f, inner);
            TensorPrimitives.FusedMultiplyAdd(inner, row, row, inner); // x + 0.044715 x³
            TensorPrimitives.Multiply(inner, MathF.Sqrt(2f / MathF.PI), inner);
            TensorPrimitives.Tanh(inner, inner);
            TensorPrimitives.Add(inner, 1f, inner);
            TensorPrimitives.Multiply(inner, row, output);
            TensorPrimitives.Multiply(output, 0.5f, output);
        });

    /// <summary>0.5 x (1 + erf(x/√2)) with erf by Numerical Recipes' Chebyshev fit (absolute error below 1.2e-7, the
    /// same fit as the managed decoder's <c>Activation.Erf</c>), sixteen lanes at a time.</summary>
    private static void GeluRow(float* p, float* q, int length)
    {
        int i = 0;
        for (; i + 16 <= length; i += 16)
        {
            var x = Vector512.Load(p + i);
            var u = x * Vector512.Create(0.70710678118654752f);
            var z = Vector512.Abs(u);
            var t = Vector512<float>.One / (Vector512<float>.One + z * Vector512.Create(0.5f));
            var poly = Vector512.Create(0.17087277f);
            poly = poly * t + Vector512.Create(-0.82215223f);
            poly = poly * t + Vector512.Create(1.48851587f);
            poly = poly * t + Vector512.Create(-1.13520398f);
            poly = poly * t + Vector512.Create(0.27886807f);
            poly = poly * t + Vector512.Create(-0.18628806f);
            poly = poly * t + Vector512.Create(0.09678418f);
            poly = poly * t + Vector512.Create(0.37409196f);
            poly = poly * t + Vector512.Create(1.00002368f);
            poly = poly * t + Vector512.Create(-1.26551223f);
            var r = t * Exp(poly - z * z); // erfc(|u|)
            var erf = Vector512.ConditionalSelect(
                Vector512.GreaterThanOrEqual(u, Vector512<float>.Zero),
                Vector512<float>.One - r,
                r - Vector512<float>.One
            );
            (Vector512.Create(0.5f) * x * (Vector512<float>.One + erf)).Store(q + i);
        }
        for (; i < length; i++)
        {
            double x = p[i];
            q[i] = (float)(0.5 * x * (1.0 + Decode.Activation.Erf(x / Math.Sqrt(2.0))));
        }
    }

    /// <summary>eˣ in float (Cephes' expf: Cody-Waite reduction by ln 2 and a degree-5 polynomial, about 1 ulp), for
    /// x clamped to [-87.3, 88.3]; NaN stays NaN. .NET's vector Exp computes in double, twice the work.</summary>
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        var nan = Vector512.IsNaN(x);
        var input = x;
        x = Vector512.Max(Vector512.Min(x, Vector512.Create(88.3762626647949f)), Vector512.Create(-87.3365447504f));
        var n = Vector512.Round(x * Vector512.Create(1.44269504088896341f));
        var r = x - n * Vector512.Create(0.693359375f) - n * Vector512.Create(-2.12194440e-4f);
        var q = Vector512.Create(1.9875691500e-4f);
        q = q * r + Vector512.Create(1.3981999507e-3f);
        q = q * r + Vector512.Create(8.3334519073e-3f);
        q = q * r + Vector512.Create(4.1665795894e-2f);
        q = q * r + Vector512.Create(1.6666665459e-1f);
        q = q * r + Vector512.Create(5.0000001201e-1f);
        var y = q * r * r + r + Vector512<float>.One;
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConditionalSelect(nan, input, y * scale);
    }

    /// <summary>Runs <paramref name="body"/> for each row, split over threads when the rows hold enough elements.</summary>
    private static void Rows(int rows, int d, int parts, Action<int> body)
    {
        int slices = (long)rows * d < SplitWork / 16 ? 1 : Math.Min(parts * PiecesPerThread, rows);
        For(slices, parts, s =>
        {
            int r0 = (int)((long)rows * s / slices),
                r1 = (int)((long)rows * (s + 1) / slices);
            for (int r = r0; r < r1; r++)
                body(r);
        });
    }

    /// <summary>Pieces per thread a split row-wise call is cut into, so that a late worker's share is taken by the
    /// others (row-wise results do not depend on the cut).</summary>
    internal const int PiecesPerThread = 4;

    /// <summary>Most column slices of a split product, whatever the thread count: the machine's processor count, from 2
    /// to 8. Each slice costs MKL a little (the batch-32 down projection, 608 x 1536 · 1536 x 384 at one thread: 3.5 ms
    /// whole, 3.8 ms in 2 slices, 4.3 ms in 8), so a 2-core machine cuts in 2 (docs/benchmarks.md, "Product slices by
    /// machine"), while a larger one keeps a slice for each of up to 8 threads.</summary>
    internal static readonly int ProductPieces = Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>Multiply-adds per slice of a split product (below 2 x this, 2 slices).</summary>
    internal const long SliceWork = 1L << 22;

    /// <summary>Column slices of a product of <paramref name="work"/> multiply-adds: 1 below <see cref="SplitWork"/>, else
    /// one per <see cref="SliceWork"/>, at least 2 and at most <paramref name="most"/> (at least 2). The count depends on
    /// the product and the machine only, never on the threads.</summary>
    internal static int Slices(long work, int most) =>
        work < SplitWork ? 1 : (int)Math.Clamp(work / SliceWork, 2, Math.Max(2, most));

    /// <summary>Runs body(0..count-1) on up to <paramref name="threads"/> threads.</summary>
    internal static void For(int count, int threads, Action<int> body) => WorkerTeam.Run(count, threads, body);
}
