using System.Globalization;
using Glassbox.Hooks;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>Which block outputs <see cref="ResidualStack.DecomposedResid"/> returns (TransformerLens's <c>mode</c>).</summary>
public enum DecomposeMode
{
    /// <summary>Attention and MLP outputs.</summary>
    All,

    /// <summary>Attention outputs only.</summary>
    Attn,

    /// <summary>MLP outputs only.</summary>
    Mlp,
}

/// <summary>A stack of residual-stream-shaped components with one label per component. Deconstructs as
/// <c>var (stack, labels) = ...</c>. Dispose it to free the stack.</summary>
/// <param name="Stack">The components. // [components, batch, pos, d_model]</param>
/// <param name="Labels">One label per component, in stack order.</param>
public sealed record LabelledStack(Tensor Stack, IReadOnlyList<string> Labels) : IDisposable
{
    /// <summary>Frees the stack.</summary>
    public void Dispose() => Stack.Dispose();
}

/// <summary>
/// TransformerLens's residual-stream helpers on an <see cref="ActivationCache"/>: <c>accumulated_resid</c>,
/// <c>decompose_resid</c>, <c>stack_head_results</c> and <c>apply_ln_to_stack</c>. A <c>layer</c> argument counts
/// blocks: <c>layer = L</c> means "the residual stream entering block L", and null (or <c>n_layers</c>) means the final
/// residual stream (<c>blocks.{n_layers-1}.hook_resid_post</c>, the input of <c>ln_final</c>).
/// Every result is a new tensor owned by the caller.
/// </summary>
/// <remarks>
/// The decompositions are exact sums only for pre-norm models (GPT-2, Llama, NeoX with or without parallel attention
/// and MLP): there <c>resid_pre[L] = embed (+ pos_embed) (+ token_type_embed) + Σ_{l&lt;L} (attn_out[l] + mlp_out[l])</c>,
/// where each <c>attn_out</c> already contains its bias <c>b_O</c> and each <c>mlp_out</c> its <c>b_out</c>. Post-norm
/// models (BERT) and models that normalise their embeddings renormalise the stream inside every block, so no such sum
/// exists; <see cref="DecomposedResid"/>, <see cref="StackedHeadResults"/> and <see cref="ApplyLnToStack"/> refuse them
/// with an <see cref="InputException"/> (<see cref="AccumulatedResid"/> without <c>applyLn</c> still works).
/// </remarks>
public static class ResidualStack
{
    /// <summary>The residual stream as it accumulates: <c>resid_pre</c> of blocks 0..L (labels <c>"{l}_pre"</c>, with
    /// <c>"{l}_mid"</c> after each when <paramref name="inclMid"/> and l &lt; L) and, when L = n_layers, the final
    /// residual (<c>"final_post"</c>). // [components, batch, pos, d_model]</summary>
    /// <param name="cache">Cache of a full run (<see cref="HookedTransformer.RunWithCache"/>).</param>
    /// <param name="model">The model that produced the cache.</param>
    /// <param name="layer">L in 0..n_layers; null means n_layers.</param>
    /// <param name="inclMid">Also include <c>resid_mid</c> (between attention and MLP) of blocks before L; refused
    /// for parallel attention+MLP blocks, which have none.</param>
    /// <param name="applyLn">Normalise every component with the cached scale of the norm that reads the stream at L
    /// (<c>blocks.{L}.ln1</c>, or <c>ln_final</c> when L = n_layers), times the norm weight plus its bias, as in
    /// TransformerLens (one shared scale, so only the last component is exactly what the norm saw). The
    /// <c>final_post</c> component then equals <c>ln_final.hook_normalized</c>, the input of the unembedding (the
    /// logit lens).</param>
    /// <exception cref="InputException">Layer out of range, a needed hook is not in the cache, <paramref name="inclMid"/>
    /// on a parallel block, or <paramref name="applyLn"/> on a post-norm model.</exception>
    public static LabelledStack AccumulatedResid(
        this ActivationCache cache,
        HookedTransformer model,
        int? layer = null,
        bool inclMid = false,
        bool applyLn = false
    )
    {
        var c = model.Config;
        int L = CheckLayer(model, layer);
        if (inclMid && c.ParallelAttnMlp && L > 0)
            throw new InputException(
                $"{model.Name} runs attention and MLP in parallel, so there is no resid_mid; call AccumulatedResid with inclMid: false"
            );
        const string what = "AccumulatedResid";
        var parts = new List<Tensor>();
        var labels = new List<string>();
        for (int l = 0; l <= L && l < c.NLayers; l++)
        {
            parts.Add(Need(cache, HookName.ResidPre(l), what));
            labels.Add(Label(l, "_pre"));
            if (inclMid && l < L)
            {
                parts.Add(Need(cache, HookName.ResidMid(l), what));
                labels.Add(Label(l, "_mid"));
            }
        }
        if (L == c.NLayers)
        {
            parts.Add(Need(cache, HookName.ResidPost(c.NLayers - 1), what));
            labels.Add("final_post");
        }
        return Finish(cache, model, parts, labels, L, applyLn, addBias: true);
    }

    /// <summary>The residual stream entering block L split into the parts that were added to it: <c>"embed"</c>,
    /// <c>"pos_embed"</c> (learned positions), <c>"token_type_embed"</c> (segment embeddings), then per block l &lt; L
    /// <c>"{l}_attn_out"</c> and <c>"{l}_mlp_out"</c>. For pre-norm models the components sum to <c>resid_pre[L]</c>
    /// (to <c>blocks.{n_layers-1}.hook_resid_post</c> when L = n_layers) when <paramref name="inclEmbeds"/> and
    /// <paramref name="mode"/> is <see cref="DecomposeMode.All"/>. // [components, batch, pos, d_model]</summary>
    /// <param name="cache">Cache of a full run.</param>
    /// <param name="model">The model that produced the cache (pre-norm only, see the remarks on <see cref="ResidualStack"/>).</param>
    /// <param name="layer">L in 0..n_layers; null means n_layers.</param>
    /// <param name="mode">Which block outputs to include.</param>
    /// <param name="applyLn">Normalise every component with the frozen norm at L (<see cref="ApplyLnToStack"/>,
    /// without the norm bias, so the components sum to the normalised stream minus that bias).</param>
    /// <param name="inclEmbeds">Include the embedding components.</param>
    /// <exception cref="InputException">Layer out of range, a needed hook is not in the cache, or a post-norm model.</exception>
    public static LabelledStack DecomposedResid(
        this ActivationCache cache,
        HookedTransformer model,
        int? layer = null,
        DecomposeMode mode = DecomposeMode.All,
        bool applyLn = false,
        bool inclEmbeds = true
    )
    {
        var c = model.Config;
        const string what = "DecomposedResid";
        RequirePreNorm(model, what);
        int L = CheckLayer(model, layer);
        var parts = new List<Tensor>();
        var labels = new List<string>();
        if (inclEmbeds)
        {
            parts.Add(Need(cache, HookName.Embed, what));
            labels.Add("embed");
            if (c.Positions == PositionKind.Learned)
            {
                parts.Add(Need(cache, HookName.PosEmbed, what));
                labels.Add("pos_embed");
            }
            if (c.NTokenTypes > 0)
            {
                parts.Add(Need(cache, HookName.TokenTypeEmbed, what));
                labels.Add("token_type_embed");
            }
        }
        for (int l = 0; l < L; l++)
        {
            if (mode != DecomposeMode.Mlp)
            {
                parts.Add(Need(cache, HookName.AttnOut(l), what));
                labels.Add(Label(l, "_attn_out"));
            }
            if (mode != DecomposeMode.Attn && c.HasMlp)
            {
                parts.Add(Need(cache, HookName.MlpOut(l), what));
                labels.Add(Label(l, "_mlp_out"));
            }
        }
        return Finish(cache, model, parts, labels, L, applyLn, addBias: false);
    }

    /// <summary>Every attention head's output written into the residual stream by blocks before L, from
    /// <c>attn.hook_result</c>, labelled <c>"L{l}H{h}"</c>. With <paramref name="inclBias"/> each block's attention
    /// output bias <c>b_O</c> follows its heads as component <c>"L{l}_b_O"</c> (models without b_O add none), so that
    /// the components of block l sum to <c>blocks.{l}.hook_attn_out</c>. // [components, batch, pos, d_model]</summary>
    /// <param name="cache">Cache of a run with <see cref="RunOptions.UseAttnResult"/> set.</param>
    /// <param name="model">The model that produced the cache (pre-norm only).</param>
    /// <param name="layer">L in 0..n_layers; null means n_layers (every head).</param>
    /// <param name="inclBias">Add each block's b_O as its own component.</param>
    /// <param name="applyLn">Normalise every component with the frozen norm at L, without the norm bias.</param>
    /// <exception cref="InputException">Layer out of range, <c>attn.hook_result</c> (or a norm scale) not in the
    /// cache, or a post-norm model.</exception>
    public static LabelledStack StackedHeadResults(
        this ActivationCache cache,
        HookedTransformer model,
        int? layer = null,
        bool inclBias = false,
        bool applyLn = false
    )
    {
        var c = model.Config;
        const string what = "StackedHeadResults";
        RequirePreNorm(model, what);
        int L = CheckLayer(model, layer);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        var labels = new List<string>();
        for (int l = 0; l < L; l++)
        {
            string name = HookName.Attn(l, "hook_result");
            if (!cache.TryGet(name, out var result))
                throw new InputException(
                    $"{what} needs '{name}', which is only recorded by a run with RunOptions {{ UseAttnResult = true }}"
                );
            var heads = result.permute(2, 0, 1, 3); // [head, batch, pos, d_model]
            for (int h = 0; h < c.NHeads; h++)
            {
                parts.Add(heads[h]);
                labels.Add(string.Create(CultureInfo.InvariantCulture, $"L{l}H{h}"));
            }
            if (
                inclBias
                && model.Weights.TryGetValue(
                    string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.attn.b_O"),
                    out var bO
                )
            )
            {
                parts.Add(bO.to_type(result.dtype).expand(result.shape[0], result.shape[1], c.DModel)); // [batch, pos, d_model]
                labels.Add(string.Create(CultureInfo.InvariantCulture, $"L{l}_b_O"));
            }
        }
        var stacked = Finish(cache, model, parts, labels, L, applyLn, addBias: false);
        stacked.Stack.MoveToOuterDisposeScope();
        return stacked;
    }

    /// <summary>Normalises a stack of residual-stream components as the norm reading the stream at L did, with that
    /// norm's scale frozen to its cached <c>hook_scale</c> (<c>ln_final</c> when L = n_layers, else <c>blocks.{L}.ln1</c>):
    /// LayerNorm centres each component (RMSNorm does not), then every norm divides by the scale and multiplies by the
    /// norm weight. Frozen, the norm is linear, so normalised components still add up. Models without norms get a
    /// copy of the stack. // [..., batch, pos, d_model] -> [..., batch, pos, d_model]</summary>
    /// <param name="cache">Cache of the run the components come from (it must hold the scale).</param>
    /// <param name="model">The model that produced the cache (pre-norm only).</param>
    /// <param name="stack">Components over the run's batch and positions. // [..., batch, pos, d_model]</param>
    /// <param name="layer">L in 0..n_layers; null means n_layers (the final norm).</param>
    /// <param name="addBias">Add the norm's bias to every component: right when each component is a whole residual
    /// stream (the result then equals the norm's <c>hook_normalized</c>), wrong for parts that are summed.</param>
    /// <exception cref="InputException">Layer out of range, the scale was not cached, the stack does not match the
    /// cached batch and positions, or a post-norm model.</exception>
    public static Tensor ApplyLnToStack(
        this ActivationCache cache,
        HookedTransformer model,
        Tensor stack,
        int? layer = null,
        bool addBias = false
    )
    {
        ArgumentNullException.ThrowIfNull(stack);
        RequirePreNorm(model, "ApplyLnToStack");
        return ApplyLn(cache, model, stack, CheckLayer(model, layer), addBias);
    }

    private static Tensor ApplyLn(ActivationCache cache, HookedTransformer model, Tensor stack, int L, bool addBias)
    {
        var c = model.Config;
        bool final = L == c.NLayers;
        if (c.Norm == NormKind.None || (final && !c.FinalNorm))
            return stack.clone();
        string prefix = final ? "ln_final" : string.Create(CultureInfo.InvariantCulture, $"blocks.{L}.ln1");
        string scaleName = final ? HookName.Norm("ln_final", "hook_scale") : HookName.BlockNorm(L, "ln1", "hook_scale");
        var scale = Need(cache, scaleName, "ApplyLnToStack"); // [batch, pos, 1]
        if (
            stack.dim() < 3
            || stack.shape[^1] != c.DModel
            || stack.shape[^3] != scale.shape[0]
            || stack.shape[^2] != scale.shape[1]
        )
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"ApplyLnToStack needs a stack shaped [..., batch, pos, d_model] = [..., {scale.shape[0]}, {scale.shape[1]}, {c.DModel}] "
                ) + $"like the cached run; got [{string.Join(", ", stack.shape)}]"
            );
        using var scope = NewDisposeScope();
        var x = c.Norm == NormKind.LayerNorm ? stack - stack.mean(new long[] { -1 }, keepdim: true) : stack;
        x = x / scale.to_type(x.dtype) * model.Weights[prefix + ".w"].to_type(x.dtype);
        if (addBias && model.Weights.TryGetValue(prefix + ".b", out var b))
            x = x.Plus(b.to_type(x.dtype));
        return x.MoveToOuterDisposeScope();
    }

    private static LabelledStack Finish(
        ActivationCache cache,
        HookedTransformer model,
        List<Tensor> parts,
        List<string> labels,
        int L,
        bool applyLn,
        bool addBias
    )
    {
        if (applyLn)
            RequirePreNorm(model, "applyLn");
        using var scope = NewDisposeScope();
        var stack = parts.Count > 0 ? torch.stack(parts) : EmptyStack(cache, model); // [components, batch, pos, d_model]
        if (applyLn)
            stack = ApplyLn(cache, model, stack, L, addBias);
        return new LabelledStack(stack.MoveToOuterDisposeScope(), labels);
    }

    private static Tensor EmptyStack(ActivationCache cache, HookedTransformer model)
    {
        var like = Need(cache, HookName.Embed, "an empty stack"); // [batch, pos, d_model]
        return zeros(new long[] { 0, like.shape[0], like.shape[1], model.Config.DModel }, like.dtype, like.device);
    }

    private static int CheckLayer(HookedTransformer model, int? layer)
    {
        int n = model.Config.NLayers;
        int L = layer ?? n;
        if (L < 0 || L > n)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"layer must be in 0..{n} ({n} or null means the final residual stream of {model.Name}), got {L}"
                )
            );
        return L;
    }

    private static void RequirePreNorm(HookedTransformer model, string what)
    {
        var c = model.Config;
        if (c.PostNorm || c.EmbedNorm)
            throw new InputException(
                $"{what} needs a pre-norm model; {model.Name} ({c.Architecture}) normalises the residual stream "
                    + "after each addition, so it is not a sum of component outputs and has no norm scale to freeze"
            );
    }

    private static Tensor Need(ActivationCache cache, string name, string what) =>
        cache.TryGet(name, out var t)
            ? t
            : throw new InputException(
                $"{what} needs '{name}', which is not in the cache; record it (RunWithCache without a filter records every hook point of a full run)"
            );

    private static string Label(int layer, string suffix) => layer.ToString(CultureInfo.InvariantCulture) + suffix;
}
