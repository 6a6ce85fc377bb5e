using Glassbox.Hooks;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Components;

/// <summary>Multi-head attention with grouped-query support and hooks on q, k, v, rotated q/k, scores, pattern,
/// z and the per-head result. Q, K and V come from one fused GEMM.</summary>
internal static class Attention
{
    /// <summary>Attention output [batch, pos, d_model] for input x [batch, pos, d_model]. The mask is
    /// [batch, 1, q, k] bool (true = attend), or null when there is no padding (then causalOnly says whether the
    /// plain causal mask applies). With a KV cache the keys are the cached ones plus the new ones (k = cached + q) and
    /// the mask must be given.</summary>
    public static Tensor Forward(
        Tensor x,
        BlockWeights w,
        ModelConfig c,
        Rotary? rotary,
        Tensor positions,
        Tensor? mask,
        bool causalOnly,
        HookRunner run,
        int layer,
        bool useResult,
        LayerKv? kv = null
    )
    {
        long b = x.shape[0],
            p = x.shape[1];
        int h = c.NHeads,
            kvh = c.KvHeads,
            dh = c.HeadDim;
        var qkv = nn.functional.linear(x, w.W_QKV, w.b_QKV); // [batch, pos, (head + 2 kv_head)*d_head]
        var q = qkv.narrow(-1, 0, h * dh).view(b, p, h, dh); // [batch, pos, head, d_head]
        var k = qkv.narrow(-1, h * dh, kvh * dh).view(b, p, kvh, dh); // [batch, pos, kv_head, d_head]
        var v = qkv.narrow(-1, (h + kvh) * dh, kvh * dh).view(b, p, kvh, dh);
        q = run.Apply(HookPoints.AttnQ, layer, q);
        k = run.Apply(HookPoints.AttnK, layer, k);
        v = run.Apply(HookPoints.AttnV, layer, v); // [batch, pos, kv_head, d_head]
        if (rotary is not null)
        {
            q = run.Apply(HookPoints.AttnRotQ, layer, rotary.Apply(q, positions)); // [batch, pos, head, d_head]
            k = run.Apply(HookPoints.AttnRotK, layer, rotary.Apply(k, positions)); // [batch, pos, kv_head, d_head]
        }
        var qT = q.transpose(1, 2); // [batch, head, pos, d_head]
        var kT = k.transpose(1, 2); // [batch, kv_head, pos, d_head]
        var vT = v.transpose(1, 2);
        if (kv is not null)
            (kT, vT) = kv.Append(kT, vT); // [batch, kv_head, cached + pos, d_head]
        long keys = kT.shape[2],
            g = h / kvh;
        if (UseManaged(p, keys, layer, run) && ManagedAttention.Applies(qT, kT, vT, mask))
        {
            var zM = ManagedAttention.Forward(qT, kT, vT, mask, causalOnly, (int)g); // [batch, head, pos, d_head]
            return Output(zM, w, c, run, layer, useResult, b, p, h, dh);
        }
        var full = mask ?? (causalOnly ? CausalMask(p, x.device) : null);
        if (UseFused(p * keys, layer, run))
        {
            var kE = g == 1 ? kT : kT.unsqueeze(2).expand(b, kvh, g, keys, dh).reshape(b, h, keys, dh);
            var vE = g == 1 ? vT : vT.unsqueeze(2).expand(b, kvh, g, keys, dh).reshape(b, h, keys, dh);
            var additive = full is null
                ? null
                : zeros(full.shape, qT.dtype, qT.device).MaskedFill(full.logical_not(), Lowest(qT.dtype));
            var zF = nn.functional.scaled_dot_product_attention(qT, kE, vE, additive, 0, false); // [batch, head, pos, d_head]
            return Output(zF, w, c, run, layer, useResult, b, p, h, dh);
        }
        // Explicit scores and softmax: on CPU this beats libtorch's fused SDPA kernel for these sizes, and the
        // scores/pattern hooks see exactly what is computed. Grouped-query heads share their key/value head by a
        // view (head j = kv_head j / g, as repeat_interleave would give) instead of copying the keys g times.
        var scores = (
            g == 1
                ? matmul(qT, kT.transpose(-1, -2))
                : matmul(qT.reshape(b, kvh, g * p, dh), kT.transpose(-1, -2)).view(b, h, p, keys)
        ).MulScalarInPlace(1.0 / Math.Sqrt(dh)); // [batch, head, q, k]
        if (full is not null)
            scores = scores.MaskedFill(full.logical_not(), Lowest(scores.dtype));
        scores = run.Apply(HookPoints.AttnScores, layer, scores);
        // In float16/bfloat16 the softmax is taken in float32 and cast back, as Hugging Face's eager attention does.
        var probs = Norm.IsHalf(scores.dtype)
            ? scores.softmax(-1, ScalarType.Float32).to_type(scores.dtype)
            : scores.softmax(-1);
        var pattern = run.Apply(HookPoints.AttnPattern, layer, probs); // [batch, head, q, k]
        var zT = g == 1 ? matmul(pattern, vT) : matmul(pattern.reshape(b, kvh, g * p, keys), vT).view(b, h, p, dh); // [batch, head, pos, d_head]
        return Output(zT, w, c, run, layer, useResult, b, p, h, dh);
    }

    private static Tensor Output(
        Tensor zT,
        BlockWeights w,
        ModelConfig c,
        HookRunner run,
        int layer,
        bool useResult,
        long b,
        long p,
        int h,
        int dh
    )
    {
        var z = run.Apply(HookPoints.AttnZ, layer, zT.transpose(1, 2)); // [batch, pos, head, d_head]
        if (useResult || run.Wants(HookPoints.AttnResult, layer))
        {
            var wo = w.W_O.view(c.DModel, h, dh); // [d_model, head, d_head]
            if (Norm.IsHalf(z.dtype))
                return HalfResult(z, wo, w.b_O, run, layer);
            var result = einsum("bphe,dhe->bphd", z, wo); // [batch, pos, head, d_model]
            result = run.Apply(HookPoints.AttnResult, layer, result);
            var o = result.sum(2);
            return w.b_O is null ? o : o.Plus(w.b_O);
        }
        return nn.functional.linear(z.reshape(b, p, h * dh), w.W_O, w.b_O);
    }

    // hook_result in float16/bfloat16: the heads' outputs are computed in float32 and shown to hooks in the model's
    // dtype; unless a hook changed them (or gradients must flow through them) the float32 values are summed and
    // rounded once before the bias is added, as libtorch's half linear does, so reading or caching the hook changes nothing.
    private static Tensor HalfResult(Tensor z, Tensor wo, Tensor? bias, HookRunner run, int layer) // -> [batch, pos, d_model]
    {
        var f32 = ScalarType.Float32;
        var resultF = einsum("bphe,dhe->bphd", z.to_type(f32), wo.to_type(f32)); // [batch, pos, head, d_model]
        var shown = resultF.to_type(z.dtype);
        var before = run.HasFunctions(HookPoints.AttnResult, layer) ? shown.clone() : null;
        var hooked = run.Apply(HookPoints.AttnResult, layer, shown);
        bool changed = before is not null && !hooked.eq(before).all().item<bool>();
        var o = (changed || run.KeepGradients ? hooked.to_type(f32) : resultF).sum(2);
        var oh = o.to_type(z.dtype); // libtorch's half linear rounds the product, then adds the bias in the dtype
        return bias is null ? oh : oh.Plus(bias);
    }

    /// <summary>Heads whose score matrix (queries × keys) has this many elements or more go through the fused kernel
    /// (see <see cref="UseFused"/>).</summary>
    internal const long FusedMinScores = 1L << 15;

    // libtorch's fused scaled_dot_product_attention (blocked: no [batch, head, q, k] tensor in memory) for long
    // sequences, when no hook reads the scores or pattern and no gradient is taken; the explicit path otherwise. Measured
    // on stories260K (docs/benchmarks.md, "harvest"): at 100-500 tokens fused is 1.3x (batch 1) to 6.7x (batch 16)
    // faster; at 40-45 tokens explicit is 1.2-1.6x faster.
    // RunOptions.Attention forces one (benchmarks, parity tests).
    private static bool UseFused(long scores, int layer, HookRunner run) =>
        (run.Attention == AttentionKernel.Fused || (run.Attention == AttentionKernel.Auto && scores >= FusedMinScores))
        && !run.Wants(HookPoints.AttnScores, layer)
        && !run.Wants(HookPoints.AttnPattern, layer)
        && !is_grad_enabled();

    /// <summary>Queries per (batch, head) from which <see cref="AttentionKernel.Auto"/> takes the managed kernel: it copies
    /// each pair's keys once, which a decoding step's single query does not repay (batched KV-cached generation of
    /// stories260K: 7,546 against libtorch's 9,434 tokens/s at batch 64).</summary>
    internal const long ManagedMinQueries = 8;

    // Glassbox's managed kernel (ManagedAttention: float32 on the CPU, no gradient) for the short sequences the fused
    // kernel does not take, when no hook reads the scores or pattern.
    private static bool UseManaged(long queries, long keys, int layer, HookRunner run) =>
        (
            run.Attention == AttentionKernel.Managed
            || (
                run.Attention == AttentionKernel.Auto && queries * keys < FusedMinScores && queries >= ManagedMinQueries
            )
        )
        && !run.Wants(HookPoints.AttnScores, layer)
        && !run.Wants(HookPoints.AttnPattern, layer);

    /// <summary>The most negative finite value of <paramref name="dtype"/>, what masked scores are set to (float's
    /// minimum overflows bfloat16 and float16).</summary>
    private static double Lowest(ScalarType dtype) =>
        dtype switch
        {
            ScalarType.BFloat16 => -3.3895313892515355e38,
            ScalarType.Float16 => -65504.0,
            _ => float.MinValue,
        };

    /// <summary>Lower-triangular causal mask [1, 1, pos, pos].</summary>
    public static Tensor CausalMask(long p, Device device) =>
        ones(p, p, dtype: ScalarType.Bool, device: device).tril().view(1, 1, p, p);

    /// <summary>The attention mask of sliding-window layers: the causal (and padding) mask restricted to keys at most
    /// <paramref name="window"/> - 1 positions before the query (HF <c>kv_idx &gt; q_idx - sliding_window</c>). Real
    /// tokens of a padded row are contiguous, so distances in padded indices are distances in tokens.</summary>
    /// <param name="mask">The padding-aware causal mask [batch, 1, q, k], or null for the plain causal mask.</param>
    /// <param name="p">Sequence length.</param>
    /// <param name="window">Window width; 0 for none.</param>
    /// <param name="device">Device of the mask.</param>
    /// <returns>[batch or 1, 1, q, k] bool (true = attend), or null when the input fits in the window.</returns>
    public static Tensor? SlidingWindowMask(Tensor? mask, long p, int window, Device device)
    {
        if (window <= 0 || p <= window)
            return null;
        var band = ones(p, p, dtype: ScalarType.Bool, device: device).tril().triu(1 - window).view(1, 1, p, p);
        return mask is null ? band : mask.logical_and(band);
    }
}
