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
        Tensor centred = kind == NormKind.LayerNorm ? x - x.mean(new long[] { -1 }, keepdim: true) : x;
        var scale = centred.Square().mean(new long[] { -1 }, keepdim: true).AddScalar(eps).sqrt(); // [batch, pos, 1]
        scale = run.Apply(scalePoint, layer, scale);
        var y = centred / scale * w;
        if (b is not null)
            y = y.Plus(b);
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
