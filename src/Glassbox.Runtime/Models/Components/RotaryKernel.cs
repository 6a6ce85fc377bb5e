// Rotary embeddings in managed code for float32 on the CPU without autograd: one pass that reads x in place through its
// strides (q and k are views of the fused Q/K/V product) and writes the rotated copy. Why our own: libtorch's path is
// two table gathers, two narrows, a negation, a concatenation, two products and a sum per call, each a dispatch and a
// pass over memory; on a BLiMP-sized stories260K batch they took about a tenth of the forward (docs/benchmarks.md,
// "Attention and rotary in managed code"). The same products and sums in the same order (x·cos + (∓x')·sin, no fused
// multiply-add), so the result is the same bits (RotaryKernelTests).
using System.Globalization;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Components;

/// <summary>The managed rotary kernel (see the file's first comment).</summary>
internal static unsafe class RotaryKernel
{
    /// <summary>Whether the kernel can take these inputs: float32 on the CPU with gradients off, int64 positions
    /// [batch, pos] on the CPU, rows of x contiguous in d_head.</summary>
    public static bool Applies(Tensor x, Tensor positions, Tensor table) =>
        !is_grad_enabled()
        && x.dtype == ScalarType.Float32
        && x.device_type == DeviceType.CPU
        && table.device_type == DeviceType.CPU
        && positions.dtype == ScalarType.Int64
        && positions.device_type == DeviceType.CPU
        && x.dim() == 4
        && positions.dim() == 2
        && positions.shape[0] == x.shape[0]
        && positions.shape[1] == x.shape[1]
        && x.stride(3) == 1;

    /// <summary>x [batch, pos, heads, d_head] with its first <paramref name="dim"/> dimensions rotated by the tables'
    /// rows [n_ctx, dim] at <paramref name="positions"/> [batch, pos]; a new contiguous tensor.</summary>
    public static Tensor Apply(Tensor x, Tensor positions, Tensor cosTable, Tensor sinTable, int dim)
    {
        int b = (int)x.shape[0],
            p = (int)x.shape[1],
            heads = (int)x.shape[2],
            dh = (int)x.shape[3],
            half = dim / 2;
        long rows = cosTable.shape[0];
        var y = empty(x.shape, ScalarType.Float32); // [batch, pos, heads, d_head]
        if (y.numel() == 0)
            return y;
        float* src = RawTensor.Address<float>(x),
            dst = RawTensor.Address<float>(y),
            cos = RawTensor.Address<float>(cosTable),
            sin = RawTensor.Address<float>(sinTable);
        long* pos = RawTensor.Address<long>(positions);
        long sb = x.stride(0),
            sp = x.stride(1),
            sh = x.stride(2),
            pb = positions.stride(0),
            pp = positions.stride(1);
        for (int bi = 0; bi < b; bi++)
        for (int pi = 0; pi < p; pi++)
        {
            long at = pos[bi * pb + pi * pp];
            if (at < 0 || at >= rows)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"position {at} is outside the rotary table (n_ctx {rows})"
                    )
                );
            float* c = cos + at * dim,
                s = sin + at * dim;
            for (int h = 0; h < heads; h++)
                Row(src + bi * sb + pi * sp + h * sh, dst + (((long)bi * p + pi) * heads + h) * dh, c, s, half, dh);
        }
        return y;
    }

    // y[d] = x[d]·c[d] + (-x[d + half])·s[d] for d < half, x[d]·c[d] + x[d - half]·s[d] up to 2·half, x[d] after.
    private static void Row(float* x, float* y, float* c, float* s, int half, int dh)
    {
        int d = 0;
        if (Vector128.IsHardwareAccelerated)
            for (; d + 4 <= half; d += 4)
            {
                var x1 = Vector128.Load(x + d);
                var x2 = Vector128.Load(x + half + d);
                (x1 * Vector128.Load(c + d) + -x2 * Vector128.Load(s + d)).Store(y + d);
                (x2 * Vector128.Load(c + half + d) + x1 * Vector128.Load(s + half + d)).Store(y + half + d);
            }
        for (; d < half; d++)
        {
            float x1 = x[d],
                x2 = x[half + d];
            y[d] = x1 * c[d] + -x2 * s[d];
            y[half + d] = x2 * c[half + d] + x1 * s[half + d];
        }
        for (d = 2 * half; d < dh; d++)
            y[d] = x[d];
    }
}
