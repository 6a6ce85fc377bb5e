using Glassbox.Hooks;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models.Components;

/// <summary>LayerNorm / RMSNorm with TransformerLens hooks: <c>hook_scale</c> [batch, pos, 1] and
/// <c>hook_normalized</c> [batch, pos, d_model] (after weight and bias, as in TransformerLens).</summary>
internal static class Norm
{
    /// <summary>Applies the norm. Uses the fused kernel unless a hook or the cache wants its internals.</summary>
    public static Tensor Apply(
        Tensor x,
        NormKind kind,
        Tensor? w,
        Tensor? b,
        double eps,
        HookRunner run,
        HookPoint scalePoint,
        HookPoint normalizedPoint,
        int? layer
    ) // [batch, pos, d_model] -> same
    {
        if (kind == NormKind.None || w is null)
            return x;
        bool internals = run.Wants(scalePoint, layer) || run.Wants(normalizedPoint, layer);
        if (!internals)
        {
            if (kind == NormKind.LayerNorm)
                return nn.functional.layer_norm(x, new long[] { x.shape[^1] }, w, b, eps);
            return RmsFast(x, w, eps);
        }
        if (IsHalf(x.dtype))
            return HalfInternals(x, kind, w, b, eps, run, scalePoint, normalizedPoint, layer);
        Tensor centred = kind == NormKind.LayerNorm ? x - x.mean(new long[] { -1 }, keepdim: true) : x;
        var scale = centred.Square().mean(new long[] { -1 }, keepdim: true).AddScalar(eps).sqrt(); // [batch, pos, 1]
        scale = run.Apply(scalePoint, layer, scale);
        var y = centred / scale * w;
        if (b is not null)
            y = y.Plus(b);
        return run.Apply(normalizedPoint, layer, y); // [batch, pos, d_model]
    }

    // The hooked path in float16/bfloat16: statistics in float32 as on the fused path, so that caching every hook does
    // not change the result. hook_scale is shown in the model's dtype; its float32 value is used unless a hook changed
    // it (or gradients must flow through the hooked tensor), so a reading hook or the cache changes nothing.
    private static Tensor HalfInternals(
        Tensor x,
        NormKind kind,
        Tensor w,
        Tensor? b,
        double eps,
        HookRunner run,
        HookPoint scalePoint,
        HookPoint normalizedPoint,
        int? layer
    ) // [batch, pos, d_model] -> same
    {
        var xf = x.to_type(ScalarType.Float32);
        var centred = kind == NormKind.LayerNorm ? xf - xf.mean(new long[] { -1 }, keepdim: true) : xf;
        var scaleF = centred.Square().mean(new long[] { -1 }, keepdim: true).AddScalar(eps).sqrt(); // [batch, pos, 1]
        var shown = scaleF.to_type(x.dtype);
        var before = run.HasFunctions(scalePoint, layer) ? shown.clone() : null;
        var hooked = run.Apply(scalePoint, layer, shown);
        bool changed = before is not null && !hooked.eq(before).all().item<bool>();
        var divisor = changed || run.KeepGradients ? hooked.to_type(ScalarType.Float32) : scaleF;
        // As the fused kernels do: RMSNorm casts back before the weight (Hugging Face), LayerNorm applies weight and bias
        // in float32 and casts the result.
        var y =
            kind == NormKind.LayerNorm
                ? (
                    b is null
                        ? centred / divisor * w.to_type(ScalarType.Float32)
                        : (centred / divisor * w.to_type(ScalarType.Float32)).Plus(b.to_type(ScalarType.Float32))
                ).to_type(x.dtype)
                : (centred / divisor).to_type(x.dtype) * w;
        return run.Apply(normalizedPoint, layer, y); // [batch, pos, d_model]
    }

    // In float16/bfloat16 the RMS statistic is taken in float32 and the normalised values are cast back before the
    // weight, as Hugging Face's LlamaRMSNorm does (a sum of squares in 8 mantissa bits loses the small dimensions).
    private static Tensor RmsFast(Tensor x, Tensor w, double eps)
    {
        bool half = IsHalf(x.dtype);
        var xf = half ? x.to_type(ScalarType.Float32) : x;
        var inv = xf.Square().mean(new long[] { -1 }, keepdim: true).AddScalar(eps).rsqrt();
        var y = xf * inv;
        return (half ? y.to_type(x.dtype) : y) * w;
    }

    /// <summary>True for the 16-bit float types, whose reductions are taken in float32.</summary>
    public static bool IsHalf(ScalarType t) => t is ScalarType.BFloat16 or ScalarType.Float16;
}
