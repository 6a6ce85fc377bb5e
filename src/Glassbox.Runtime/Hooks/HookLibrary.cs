using System.Globalization;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Hooks;

/// <summary>Ready-made hooks: read, patch, ablate and steer. Each returns a <see cref="Hook"/> for
/// <c>RunWithHooks</c>; combine several in one run.</summary>
public sealed partial record Hook
{
    /// <summary>Replaces the activation with the one recorded under the same name in <paramref name="source"/>
    /// (activation patching: <c>model.RunWithHooks(corrupt, new[] { Hook.Patch("blocks.3.hook_resid_post", clean.Cache) })</c>).</summary>
    /// <param name="pattern">Hook name or glob.</param>
    /// <param name="source">Cache of the run to patch from (same shapes).</param>
    /// <param name="positions">Only these positions (dim 1 for [batch, pos, ...] hooks); all when null.</param>
    /// <param name="heads">Only these heads (the hook's head dimension); all when null.</param>
    public static Hook Patch(
        string pattern,
        ActivationCache source,
        IReadOnlyList<long>? positions = null,
        IReadOnlyList<long>? heads = null
    ) => new(pattern, (x, ctx) =>
        {
            var src = source[ctx.Name];
            if (positions is null && heads is null)
                return src;
            var mask = SelectionMask(x, ctx, positions, heads);
            return where(mask, src.to_type(x.dtype), x);
        });

    /// <summary>Sets the activation (or chosen positions/heads of it) to zero.</summary>
    public static Hook Zero(string pattern, IReadOnlyList<long>? positions = null, IReadOnlyList<long>? heads = null) =>
        new(pattern, (x, ctx) =>
            positions is null && heads is null
                ? zeros_like(x)
                : x.MaskedFill(SelectionMask(x, ctx, positions, heads), 0L)
        );

    /// <summary>Replaces the activation (or chosen positions/heads) with a given value broadcast to its shape,
    /// e.g. a dataset mean (mean ablation) or another input's activation (resample ablation).</summary>
    public static Hook Replace(
        string pattern,
        Tensor value,
        IReadOnlyList<long>? positions = null,
        IReadOnlyList<long>? heads = null
    ) => new(pattern, (x, ctx) =>
        {
            var v = value.to(x.dtype, x.device).expand_as(x);
            return positions is null && heads is null
                ? v.clone()
                : where(SelectionMask(x, ctx, positions, heads), v, x);
        });

    /// <summary>Adds <paramref name="scale"/> × <paramref name="direction"/> (broadcast over the last dimension)
    /// to the activation: activation steering.</summary>
    public static Hook Steer(string pattern, Tensor direction, double scale = 1.0) =>
        new(pattern, (x, ctx) => x.Plus(direction.to(x.dtype, x.device).MulScalar(scale)));

    /// <summary>Calls <paramref name="read"/> with each activation and leaves it unchanged.</summary>
    public static Hook Read(string pattern, Action<Tensor, HookContext> read) => new(pattern, (x, ctx) =>
        {
            read(x, ctx);
            return null;
        });

    /// <summary>Zeroes one neuron (index on the last dimension) of an MLP hook, e.g. <c>blocks.2.mlp.hook_post</c>.</summary>
    public static Hook ZeroNeurons(string pattern, IReadOnlyList<long> neurons) => new(pattern, (x, ctx) =>
        {
            var idx = tensor(neurons.ToArray(), device: x.device);
            using var zero = 0.ToScalar();
            return x.index_fill(-1, idx, zero);
        });

    /// <summary>Boolean mask of x's shape that is true at the selected positions and heads.</summary>
    internal static Tensor SelectionMask(
        Tensor x,
        HookContext ctx,
        IReadOnlyList<long>? positions,
        IReadOnlyList<long>? heads
    )
    {
        var mask = ones(x.shape, dtype: ScalarType.Bool, device: x.device);
        // Pattern and scores are [batch, head, q, k]: positions index the query dimension (2).
        int posDim = ctx.HeadDim == 1 ? 2 : 1;
        if (positions is not null)
            mask = mask.logical_and(DimMask(x, posDim, positions));
        if (heads is not null)
        {
            if (ctx.HeadDim is not int hd)
                throw new HookException(
                    $"'{ctx.Name}' has no head dimension; use attn.hook_z, hook_result, hook_q/k/v, hook_pattern or hook_attn_scores"
                );
            mask = mask.logical_and(DimMask(x, hd, heads));
        }
        return mask;
    }

    private static Tensor DimMask(Tensor x, int dim, IReadOnlyList<long> index)
    {
        long size = x.shape[dim];
        foreach (var i in index)
            if (i < 0 || i >= size)
                throw new HookException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"index {i} is out of range 0..{size - 1} for dimension {dim}"
                    )
                );
        var m = zeros(size, dtype: ScalarType.Bool, device: x.device);
        using var on = true.ToScalar();
        m.index_fill_(0, tensor(index.ToArray(), device: x.device), on);
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[dim] = size;
        return m.view(shape);
    }
}
