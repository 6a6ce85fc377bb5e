using System.Numerics.Tensors;

namespace Glassbox.Models.Encode;

/// <summary>Bidirectional multi-head attention of the managed encoder, on the fused Q/K/V product: for every sequence
/// and head, scores = q·kᵀ/√d_head with the keys the padding mask hides set to the lowest float (a query always sees
/// itself, as in the libtorch path), pattern = softmax(scores), z = pattern · v. Products go to MKL per sequence and
/// head. <see cref="Run"/> keeps one head's scores at a time; <see cref="Scores"/>, <see cref="Pattern"/> and
/// <see cref="Mix"/> are the same steps over whole [batch, head, q, k] buffers, for hooks that read or change them.</summary>
internal static unsafe class EncoderAttention
{
    /// <summary>z[batch·pos, head·d_head] from qkv[batch·pos, 3·head·d_head]; <paramref name="keep"/>[batch·pos] says
    /// which positions are real tokens (null: no padding).</summary>
    public static void Run(float* qkv, float* z, bool[]? keep, int batch, int pos, int heads, int dh, int parts) =>
        ForUnits(batch, pos, heads, dh, parts, (u0, u1) =>
        {
            var buffer = new float[pos * pos]; // [q, k] of one sequence and head
            fixed (float* sc = buffer)
                for (int u = u0; u < u1; u++)
                {
                    ScoresOf(qkv, sc, keep, u, pos, heads, dh);
                    Softmax(sc, pos * pos, pos);
                    MixOf(sc, qkv, z, u, pos, heads, dh);
                }
        });

    /// <summary>scores[batch, head, q, k] (masked keys at the lowest float).</summary>
    public static void Scores(
        float* qkv,
        float* scores,
        bool[]? keep,
        int batch,
        int pos,
        int heads,
        int dh,
        int parts
    ) => ForUnits(batch, pos, heads, dh, parts, (u0, u1) =>
        {
            for (int u = u0; u < u1; u++)
                ScoresOf(qkv, scores + (long)u * pos * pos, keep, u, pos, heads, dh);
        });

    /// <summary>pattern = softmax(scores) over the last axis, for [batch, head, q, k] buffers.</summary>
    public static void Pattern(float* scores, float* pattern, int batch, int pos, int heads, int dh, int parts) =>
        ForUnits(batch, pos, heads, dh, parts, (u0, u1) =>
        {
            long n = (long)(u1 - u0) * pos * pos,
                at = (long)u0 * pos * pos;
            new ReadOnlySpan<float>(scores + at, (int)n).CopyTo(new Span<float>(pattern + at, (int)n));
            Softmax(pattern + at, n, pos);
        });

    /// <summary>z = pattern · v for every sequence and head.</summary>
    public static void Mix(float* pattern, float* qkv, float* z, int batch, int pos, int heads, int dh, int parts) =>
        ForUnits(batch, pos, heads, dh, parts, (u0, u1) =>
        {
            for (int u = u0; u < u1; u++)
                MixOf(pattern + (long)u * pos * pos, qkv, z, u, pos, heads, dh);
        });

    private static void ForUnits(int batch, int pos, int heads, int dh, int parts, Action<int, int> body)
    {
        int units = batch * heads;
        int slices =
            (long)units * pos * pos * dh < (1L << 16) ? 1 : Math.Min(parts * EncoderKernels.PiecesPerThread, units);
        EncoderKernels.For(slices, parts, s =>
            body((int)((long)units * s / slices), (int)((long)units * (s + 1) / slices))
        );
    }

    /// <summary>One sequence and head's scaled, masked scores [q, k] (unit u = sequence · heads + head).</summary>
    private static void ScoresOf(float* qkv, float* sc, bool[]? keep, int u, int pos, int heads, int dh)
    {
        int d = heads * dh,
            stride = 3 * d,
            bi = u / heads;
        float* rows = qkv + (long)bi * pos * stride + (u % heads) * dh; // this head's q at the sequence's first position
        MklGemm.Multiply(rows, stride, rows + d, stride, true, sc, pos, pos, pos, dh); // q · kᵀ
        TensorPrimitives.Multiply(
            new ReadOnlySpan<float>(sc, pos * pos),
            1f / MathF.Sqrt(dh),
            new Span<float>(sc, pos * pos)
        );
        if (keep is null)
            return;
        long first = (long)bi * pos;
        for (int j = 0; j < pos; j++)
            if (!keep[first + j])
                for (int i = 0; i < pos; i++)
                    if (i != j)
                        sc[(long)i * pos + j] = float.MinValue;
    }

    /// <summary>One sequence and head's z = pattern · v, into its columns of z[batch·pos, head·d_head].</summary>
    private static void MixOf(float* pattern, float* qkv, float* z, int u, int pos, int heads, int dh)
    {
        int d = heads * dh,
            bi = u / heads,
            h = u % heads;
        float* v = qkv + (long)bi * pos * 3 * d + 2 * d + h * dh;
        MklGemm.Multiply(pattern, pos, v, 3 * d, false, z + (long)bi * pos * d + h * dh, d, pos, dh, pos);
    }

    /// <summary>Softmax over each run of <paramref name="width"/> floats in n.</summary>
    private static void Softmax(float* data, long n, int width)
    {
        for (long at = 0; at < n; at += width)
        {
            var row = new Span<float>(data + at, width);
            TensorPrimitives.Subtract(row, TensorPrimitives.Max<float>(row), row);
            TensorPrimitives.Exp(row, row);
            TensorPrimitives.Multiply(row, 1f / TensorPrimitives.Sum<float>(row), row);
        }
    }
}
