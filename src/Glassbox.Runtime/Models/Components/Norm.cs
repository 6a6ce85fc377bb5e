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

    private static Tensor RmsFast(Tensor x, Tensor w, double eps)
    {
        var inv = x.Square().mean(new long[] { -1 }, keepdim: true).AddScalar(eps).rsqrt();
        return x * inv * w;
    }
}
