using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Families;

/// <summary>
/// Converts between one checkpoint (Hugging Face) tensor and the canonical tensor(s) it feeds. Decoding and encoding
/// are exact inverses; shapes are derived from the canonical shapes, so a wrong-sized checkpoint tensor is reported
/// before any data is touched.
/// </summary>
public abstract class WeightCodec
{
    /// <summary>Stored as is.</summary>
    public static WeightCodec Identity { get; } = new IdentityCodec();

    /// <summary>A 2-D matrix stored transposed, e.g. GPT-2 <c>Conv1D</c> weights [in, out] for canonical [out, in].</summary>
    public static WeightCodec Transpose { get; } = new TransposeCodec();

    /// <summary>Canonical tensors concatenated along dim 0, e.g. GPT-2 <c>c_attn.bias</c> [3*d_model] = b_Q | b_K | b_V.</summary>
    public static WeightCodec Concat { get; } = new ConcatCodec(transposed: false);

    /// <summary>
    /// GPT-2 fused <c>c_attn.weight</c>: a Conv1D [d_model, 3*d_model] whose transpose is W_Q | W_K | W_V stacked on dim 0.
    /// </summary>
    public static WeightCodec ConcatTransposed { get; } = new ConcatCodec(transposed: true);

    /// <summary>
    /// NeoX fused <c>query_key_value</c>: dim 0 is laid out per head as (head, part, d_head), with part = q, k, v.
    /// Works for the weight [n_heads*3*d_head, d_model] and the bias [n_heads*3*d_head].
    /// </summary>
    /// <param name="nHeads">Number of heads (the outer dimension of the interleave).</param>
    /// <returns>The codec.</returns>
    public static WeightCodec HeadInterleaved(int nHeads) => new HeadInterleavedCodec(nHeads);

    /// <summary>Short description for error messages, e.g. "transpose".</summary>
    public abstract string Name { get; }

    /// <summary>The shape the checkpoint tensor must have, given the canonical shapes it feeds.</summary>
    /// <param name="canonical">Canonical shapes, in the order of <see cref="WeightKey.Canonical"/>.</param>
    /// <returns>The expected checkpoint shape.</returns>
    public abstract long[] HfShape(IReadOnlyList<long[]> canonical);

    /// <summary>Splits or reshapes one checkpoint tensor into canonical tensors (contiguous, owned by the caller).</summary>
    /// <param name="hf">The checkpoint tensor, already of shape <see cref="HfShape"/>; not disposed here.</param>
    /// <param name="canonical">Canonical shapes.</param>
    /// <returns>One tensor per canonical shape.</returns>
    public Tensor[] Decode(Tensor hf, IReadOnlyList<long[]> canonical)
    {
        using var scope = torch.NewDisposeScope();
        var parts = DecodeCore(hf, canonical);
        var owned = new Tensor[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i].is_contiguous() ? parts[i].alias() : parts[i].contiguous();
            owned[i] = p.MoveToOuterDisposeScope();
        }
        return owned;
    }

    /// <summary>Builds the checkpoint tensor from canonical tensors (contiguous, owned by the caller).</summary>
    /// <param name="canonical">Canonical tensors; not disposed here.</param>
    /// <returns>The checkpoint tensor.</returns>
    public Tensor Encode(IReadOnlyList<Tensor> canonical)
    {
        using var scope = torch.NewDisposeScope();
        var t = EncodeCore(canonical);
        t = t.is_contiguous() ? t.alias() : t.contiguous();
        return t.MoveToOuterDisposeScope();
    }

    /// <summary>Decoding without ownership bookkeeping; may return views.</summary>
    /// <param name="hf">Checkpoint tensor.</param>
    /// <param name="canonical">Canonical shapes.</param>
    /// <returns>Canonical tensors, possibly views.</returns>
    protected abstract Tensor[] DecodeCore(Tensor hf, IReadOnlyList<long[]> canonical);

    /// <summary>Encoding without ownership bookkeeping; may return a view.</summary>
    /// <param name="canonical">Canonical tensors.</param>
    /// <returns>The checkpoint tensor, possibly a view.</returns>
    protected abstract Tensor EncodeCore(IReadOnlyList<Tensor> canonical);

    private sealed class IdentityCodec : WeightCodec
    {
        public override string Name => "identity";

        public override long[] HfShape(IReadOnlyList<long[]> c) => c[0];

        protected override Tensor[] DecodeCore(Tensor hf, IReadOnlyList<long[]> c) => new[] { hf };

        protected override Tensor EncodeCore(IReadOnlyList<Tensor> c) => c[0];
    }

    private sealed class TransposeCodec : WeightCodec
    {
        public override string Name => "transpose";

        public override long[] HfShape(IReadOnlyList<long[]> c) => new[] { c[0][1], c[0][0] };

        protected override Tensor[] DecodeCore(Tensor hf, IReadOnlyList<long[]> c) => new[] { hf.t() };

        protected override Tensor EncodeCore(IReadOnlyList<Tensor> c) => c[0].t();
    }

    private sealed class ConcatCodec(bool transposed) : WeightCodec
    {
        public override string Name => transposed ? "concat-transposed" : "concat";

        public override long[] HfShape(IReadOnlyList<long[]> c)
        {
            var s = (long[])c[0].Clone();
            s[0] = c.Sum(x => x[0]);
            return transposed ? new[] { s[1], s[0] } : s;
        }

        protected override Tensor[] DecodeCore(Tensor hf, IReadOnlyList<long[]> c)
        {
            var rows = transposed ? hf.t() : hf;
            var parts = new Tensor[c.Count];
            long at = 0;
            for (int i = 0; i < c.Count; i++)
            {
                parts[i] = rows.narrow(0, at, c[i][0]);
                at += c[i][0];
            }
            return parts;
        }

        protected override Tensor EncodeCore(IReadOnlyList<Tensor> c)
        {
            var cat = torch.cat(c.ToArray(), 0);
            return transposed ? cat.t() : cat;
        }
    }

    private sealed class HeadInterleavedCodec(int nHeads) : WeightCodec
    {
        public override string Name => string.Create(CultureInfo.InvariantCulture, $"head-interleaved({nHeads})");

        public override long[] HfShape(IReadOnlyList<long[]> c)
        {
            var s = (long[])c[0].Clone();
            s[0] = c.Sum(x => x[0]);
            return s;
        }

        protected override Tensor[] DecodeCore(Tensor hf, IReadOnlyList<long[]> c)
        {
            long dHead = c[0][0] / nHeads;
            var rest = hf.shape.Skip(1).ToArray();
            var grouped = hf.reshape(
                new long[] { nHeads, c.Count, dHead }
                    .Concat(rest)
                    .ToArray()
            ); // [n_heads, parts, d_head, ...]
            var parts = new Tensor[c.Count];
            for (int i = 0; i < c.Count; i++)
                parts[i] = grouped.select(1, i).reshape(c[i]); // [n_heads*d_head, ...]
            return parts;
        }

        protected override Tensor EncodeCore(IReadOnlyList<Tensor> c)
        {
            long dHead = c[0].shape[0] / nHeads;
            var rest = c[0].shape.Skip(1).ToArray();
            var perHead = c.Select(t =>
                    t.reshape(
                        new long[] { nHeads, dHead }
                            .Concat(rest)
                            .ToArray()
                    )
                )
                .ToArray();
            var stacked = torch.stack(perHead, 1); // [n_heads, parts, d_head, ...]
            return stacked.reshape(new[] { c.Sum(t => t.shape[0]) }.Concat(rest).ToArray());
        }
    }
}
