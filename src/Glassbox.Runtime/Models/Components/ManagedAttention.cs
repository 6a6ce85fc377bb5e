// Attention of short sequences on the CPU in float32 without autograd: scores, mask, softmax and the weighted sum of
// the values in one managed pass per (batch, head), reading q, k, v and the mask in place through their strides. Why
// our own: on a BLiMP-sized batch of stories260K (16 x 45 tokens, d_head 8) libtorch's explicit path is a batched
// matmul, a scale, a mask inversion, a masked fill, a softmax and a second matmul per layer, each a dispatch and a
// pass over memory for microseconds of arithmetic: together 40 % of the forward (docs/benchmarks.md, "Attention and
// rotary in managed code"). The arithmetic is the explicit path's: masked keys score the lowest float (so a row with
// every key masked is uniform over all keys, as there), the softmax subtracts the row's maximum; sums run in another
// order, so results agree within float rounding (ManagedAttentionTests).
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Glassbox.Models.Encode;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Glassbox.Models.Components;

/// <summary>The managed attention kernel (see the file's first comment).</summary>
internal static unsafe class ManagedAttention
{
    /// <summary>Multiply-adds below which one thread does all (b, head) pairs.</summary>
    private const long SplitWork = 1L << 17;

    /// <summary>Whether the kernel can take these inputs: float32 on the CPU, gradients off, a mask (if any) of shape
    /// [batch or 1, 1, pos, keys].</summary>
    public static bool Applies(Tensor q, Tensor k, Tensor v, Tensor? mask) =>
        !is_grad_enabled()
        && q.device_type == DeviceType.CPU
        && q.dtype == ScalarType.Float32
        && k.dtype == ScalarType.Float32
        && v.dtype == ScalarType.Float32
        && k.device_type == DeviceType.CPU
        && v.device_type == DeviceType.CPU
        && (
            mask is null
            || (
                mask.dtype == ScalarType.Bool
                && mask.device_type == DeviceType.CPU
                && mask.dim() == 4
                && (mask.shape[0] == 1 || mask.shape[0] == q.shape[0])
                && mask.shape[1] == 1
                && mask.shape[2] == q.shape[2]
                && mask.shape[3] == k.shape[2]
            )
        );

    /// <summary>zT [batch, head, pos, d_head] (a transposed view of a contiguous [batch, pos, head, d_head]) from qT
    /// [batch, head, pos, d_head], kT and vT [batch, kv_head, keys, d_head] (head j reads kv head j / groups) and mask
    /// [batch or 1, 1, pos, keys] bool (true = attend), or no mask: then <paramref name="causal"/> says whether query i
    /// sees keys up to i only (keys must equal pos) or every key.</summary>
    public static Tensor Forward(Tensor qT, Tensor kT, Tensor vT, Tensor? mask, bool causal, int groups)
    {
        qT = Unit(qT);
        kT = Unit(kT);
        vT = Unit(vT);
        int b = (int)qT.shape[0],
            h = (int)qT.shape[1],
            p = (int)qT.shape[2],
            dh = (int)qT.shape[3],
            keys = (int)kT.shape[2];
        if (mask is null && causal && keys != p)
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"a causal mask needs as many keys as queries ({keys} against {p})"
                )
            );
        var z = empty(new long[] { b, p, h, dh }, ScalarType.Float32); // [batch, pos, head, d_head]
        if ((long)b * h * p * keys == 0 || dh == 0)
            return z.transpose(1, 2);
        int maskRows = mask is null ? 0 : (int)mask.shape[0],
            padded = (keys + 15) / 16 * 16;
        // The mask as 1/0 floats per (mask row, query, padded key), read 16 keys at a time, and for each query one past
        // its last key left (0: none); built once per call, shared by all heads.
        float* keep = mask is null
            ? null
            : (float*)NativeMemory.Alloc((nuint)((long)maskRows * p * padded), sizeof(float));
        int* live = mask is null ? null : (int*)NativeMemory.Alloc((nuint)((long)maskRows * p), sizeof(int));
        try
        {
            if (mask is not null)
                Keep(
                    (byte*)RawTensor.Address<bool>(mask),
                    (mask.stride(0), mask.stride(2), mask.stride(3)),
                    maskRows,
                    p,
                    keys,
                    padded,
                    keep,
                    live
                );
            var a = new Args
            {
                Q = RawTensor.Address<float>(qT),
                K = RawTensor.Address<float>(kT),
                V = RawTensor.Address<float>(vT),
                Z = RawTensor.Address<float>(z),
                Qs = Strides(qT),
                Ks = Strides(kT),
                Vs = Strides(vT),
                Keep = keep,
                Live = live,
                MaskBatch = maskRows > 1,
                Causal = mask is null && causal,
                Heads = h,
                Groups = groups,
                Pos = p,
                Keys = keys,
                Padded = padded,
                Dh = dh,
                Scale = (float)(1.0 / Math.Sqrt(dh)),
            };
            long work = (long)b * h * p * keys * dh;
            int threads = work < SplitWork ? 1 : Math.Max(1, get_num_threads());
            WorkerTeam.Run(b * h, threads, pair => Pair(a, pair / h, pair % h));
        }
        finally
        {
            NativeMemory.Free(keep);
            NativeMemory.Free(live);
        }
        return z.transpose(1, 2); // [batch, head, pos, d_head]
    }

    private struct Args
    {
        public float* Q,
            K,
            V,
            Z,
            Keep;
        public int* Live;
        public (long B, long H, long P) Qs,
            Ks,
            Vs;
        public bool MaskBatch,
            Causal;
        public int Heads,
            Groups,
            Pos,
            Keys,
            Padded,
            Dh;
        public float Scale;
    }

    private static Tensor Unit(Tensor x) => x.stride(3) == 1 ? x : x.contiguous();

    private static (long, long, long) Strides(Tensor x) => (x.stride(0), x.stride(1), x.stride(2));

    // keep[r, i, j] = 1 where mask[r, 0, i, j] (0 past the keys); live[r, i] = one past row i's last key kept (0: none).
    private static void Keep(
        byte* m,
        (long B, long Q, long K) s,
        int rows,
        int p,
        int keys,
        int padded,
        float* keep,
        int* live
    )
    {
        for (int r = 0; r < rows; r++)
        for (int i = 0; i < p; i++)
        {
            byte* mi = m + r * s.B + i * s.Q;
            float* ki = keep + ((long)r * p + i) * padded;
            int end = 0;
            for (int j = 0; j < padded; j++)
            {
                bool on = j < keys && mi[j * s.K] != 0;
                ki[j] = on ? 1f : 0f;
                end = on ? j + 1 : end;
            }
            live[(long)r * p + i] = end;
        }
    }

    // One (batch, head) pair: every query row's scores, softmax and weighted sum of values. The pair's keys are first
    // copied transposed ([d_head, keys], rows padded to 16) so that a query's scores come 16 keys per vector.
    private static void Pair(Args a, int bi, int head)
    {
        int kvHead = head / a.Groups,
            dh = a.Dh,
            keys = a.Keys,
            padded = a.Padded;
        float* q = a.Q + bi * a.Qs.B + head * a.Qs.H;
        float* k = a.K + bi * a.Ks.B + kvHead * a.Ks.H;
        float* v = a.V + bi * a.Vs.B + kvHead * a.Vs.H;
        long maskRow = a.MaskBatch ? (long)bi * a.Pos : 0;
        int floats = padded * (dh + 1);
        var heap = floats <= 8192 ? null : new float[floats];
        Span<float> buffer = heap ?? stackalloc float[floats];
        fixed (float* start = buffer)
        {
            float* kt = start; // [d_head, padded]
            float* row = start + (long)dh * padded; // [padded]
            for (int j = 0; j < padded; j++)
            for (int d = 0; d < dh; d++)
                kt[d * padded + j] = j < keys ? k[j * a.Ks.P + d] : 0f;
            for (int i = 0; i < a.Pos; i++)
            {
                // Keys past n are masked: their weight is exactly 0 (e^(lowest float - max) in the explicit path).
                int n =
                    a.Causal ? i + 1
                    : a.Live != null ? a.Live[maskRow + i]
                    : keys;
                float* keep = a.Keep == null ? null : a.Keep + (maskRow + i) * padded;
                Scores(q + i * a.Qs.P, kt, keep, padded, dh, n, a.Scale, row);
                float* zi = a.Z + (((long)bi * a.Pos + i) * a.Heads + head) * dh;
                if (n == 0)
                {
                    // Every key masked: every score is the lowest float, so the softmax is uniform over all keys.
                    new Span<float>(row, keys).Fill(1f);
                    Weighted(row, v, a.Vs.P, keys, dh, 1f / keys, zi);
                    continue;
                }
                float sum = Softmax(row, n);
                Weighted(row, v, a.Vs.P, n, dh, 1f / sum, zi);
            }
        }
    }

    // row[j] = scale · Σ_d q[d]·kt[d, j] for j < n, or the lowest float where keep[j] is 0 (the explicit path's masked
    // fill); past n, to the next multiple of 16, row is -∞.
    private static void Scores(float* q, float* kt, float* keep, int padded, int dh, int n, float scale, float* row)
    {
        var s = Vector512.Create(scale);
        int j = 0;
        for (; j < n; j += 16)
        {
            var acc = Vector512<float>.Zero;
            for (int d = 0; d < dh; d++)
                acc += Vector512.Create(q[d]) * Vector512.Load(kt + d * padded + j);
            acc *= s;
            if (keep != null)
                acc = Vector512.ConditionalSelect(
                    Vector512.Equals(Vector512.Load(keep + j), Vector512<float>.Zero),
                    Vector512.Create(float.MinValue),
                    acc
                );
            acc.Store(row + j);
        }
        for (int t = n; t < j; t++)
            row[t] = float.NegativeInfinity;
    }

    // row[j] = exp(row[j] - max) for j < n (0 in the -∞ tail, to the next multiple of 16); returns their sum.
    private static float Softmax(float* row, int n)
    {
        var mv = Vector512.Create(float.NegativeInfinity);
        int end = (n + 15) / 16 * 16;
        for (int j = 0; j < end; j += 16)
            mv = Vector512.Max(mv, Vector512.Load(row + j));
        var half = Vector256.Max(mv.GetLower(), mv.GetUpper());
        var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
        float max = MathF.Max(MathF.Max(quarter[0], quarter[1]), MathF.Max(quarter[2], quarter[3]));
        var m = Vector512.Create(max);
        var acc = Vector512<float>.Zero;
        for (int j = 0; j < end; j += 16)
        {
            var x = Vector512.Load(row + j) - m;
            // Below e^-80 (masked keys, the tail) a weight is 0: against the row's largest weight, 1, it is far below
            // float rounding, and clamping there keeps Exp away from subnormal results, which cost a microcode assist
            // each on x86 (measured: the softmax took 3x longer).
            var e = Vector512.ConditionalSelect(
                Vector512.LessThan(x, Vector512.Create(-80f)),
                Vector512<float>.Zero,
                EncoderKernels.Exp(Vector512.Max(x, Vector512.Create(-80f)))
            );
            e.Store(row + j);
            acc += e;
        }
        return Vector512.Sum(acc);
    }

    // z[d] = inv · Σ_j w[j]·v[j, d] for d < dh (v's rows stride apart), four partial sums per 8 lanes.
    private static void Weighted(float* w, float* v, long stride, int n, int dh, float inv, float* z)
    {
        int d = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; d + 8 <= dh; d += 8)
            {
                Vector256<float> a0 = default,
                    a1 = default,
                    a2 = default,
                    a3 = default;
                float* c = v + d;
                int j = 0;
                for (; j + 4 <= n; j += 4, c += 4 * stride)
                {
                    a0 += Vector256.Create(w[j]) * Vector256.Load(c);
                    a1 += Vector256.Create(w[j + 1]) * Vector256.Load(c + stride);
                    a2 += Vector256.Create(w[j + 2]) * Vector256.Load(c + 2 * stride);
                    a3 += Vector256.Create(w[j + 3]) * Vector256.Load(c + 3 * stride);
                }
                for (; j < n; j++, c += stride)
                    a0 += Vector256.Create(w[j]) * Vector256.Load(c);
                ((a0 + a1 + (a2 + a3)) * Vector256.Create(inv)).Store(z + d);
            }
        for (; d < dh; d++)
        {
            float acc = 0f;
            for (int j = 0; j < n; j++)
                acc += w[j] * v[j * stride + d];
            z[d] = acc * inv;
        }
    }
}
