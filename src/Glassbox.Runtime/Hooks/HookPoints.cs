using Glassbox.Models;

namespace Glassbox.Hooks;

/// <summary>
/// The table of hook points: one line per point. The forward fires them (<c>run.Apply(HookPoints.AttnZ, layer, z)</c>),
/// <see cref="HookName.All"/> lists them per model, <see cref="HookShapes"/> reads their shapes, and names are parsed
/// against them. <see cref="All"/> is in execution order for pre-norm sequential blocks; a point whose norm runs
/// elsewhere in some models (post-norm ln1/ln2) says where it fires instead. Adding a hook point is one line here plus
/// its use in the forward.
/// </summary>
public static class HookPoints
{
    private static readonly string[] Resid = { "batch", "pos", "d_model" };
    private static readonly string[] Scale = { "batch", "pos", "1" };
    private static readonly string[] Heads = { "batch", "pos", "head", "d_head" };
    private static readonly string[] KvHeads = { "batch", "pos", "kv_head", "d_head" };
    private static readonly string[] Map = { "batch", "head", "q", "k" };
    private static readonly string[] Neurons = { "batch", "pos", "d_mlp" };

    private static bool Always(ModelConfig c) => true;

    private static bool Normed(ModelConfig c) => c.PostNorm || c.Norm != NormKind.None;

    private static bool NormedMlp(ModelConfig c) => c.HasMlp && Normed(c);

    private static HookPoint Model(string leaf, string[] shape, string what, Func<ModelConfig, bool> present) =>
        new(leaf, HookScope.Model, shape, what, present);

    private static HookPoint Block(
        string leaf,
        string[] shape,
        string what,
        Func<ModelConfig, bool> present,
        bool optIn = false,
        Func<ModelConfig, HookPoint?>? anchor = null
    ) => new(leaf, HookScope.Block, shape, what, present, optIn, anchor);

    /// <summary><c>hook_embed</c> [batch, pos, d_model]: token embeddings.</summary>
    public static readonly HookPoint Embed = Model("hook_embed", Resid, "token embeddings", Always);

    /// <summary><c>hook_pos_embed</c> [batch, pos, d_model]: learned position embeddings.</summary>
    public static readonly HookPoint PosEmbed = Model("hook_pos_embed", Resid, "learned position embeddings", c =>
        c.Positions == PositionKind.Learned
    );

    /// <summary><c>hook_token_type_embed</c> [batch, pos, d_model]: token-type (segment) embeddings.</summary>
    public static readonly HookPoint TokenTypeEmbed = Model(
        "hook_token_type_embed",
        Resid,
        "token-type (segment) embeddings",
        c => c.NTokenTypes > 0
    );

    /// <summary><c>embed_ln.hook_scale</c> [batch, pos, 1]: the embedding norm's divisor.</summary>
    public static readonly HookPoint EmbedLnScale = Model("embed_ln.hook_scale", Scale, "embedding norm divisor", c =>
        c.EmbedNorm
    );

    /// <summary><c>embed_ln.hook_normalized</c> [batch, pos, d_model]: normalised embeddings (after weight and bias).</summary>
    public static readonly HookPoint EmbedLnNormalized = Model(
        "embed_ln.hook_normalized",
        Resid,
        "normalised embeddings",
        c => c.EmbedNorm
    );

    /// <summary><c>blocks.{l}.hook_resid_pre</c> [batch, pos, d_model]: the residual stream entering the block.</summary>
    public static readonly HookPoint ResidPre = Block(
        "hook_resid_pre",
        Resid,
        "residual stream entering the block",
        Always
    );

    /// <summary><c>blocks.{l}.ln1.hook_scale</c> [batch, pos, 1]: attention norm divisor (after hook_attn_out in post-norm blocks).</summary>
    public static readonly HookPoint Ln1Scale = Block(
        "ln1.hook_scale",
        Scale,
        "attention norm divisor",
        Normed,
        anchor: c => c.PostNorm ? AttnOut : null
    );

    /// <summary><c>blocks.{l}.ln1.hook_normalized</c> [batch, pos, d_model]: attention norm output.</summary>
    public static readonly HookPoint Ln1Normalized = Block(
        "ln1.hook_normalized",
        Resid,
        "attention norm output",
        Normed,
        anchor: c => c.PostNorm ? AttnOut : null
    );

    /// <summary><c>blocks.{l}.attn.hook_q</c> [batch, pos, head, d_head]: queries.</summary>
    public static readonly HookPoint AttnQ = Block("attn.hook_q", Heads, "queries", Always);

    /// <summary><c>blocks.{l}.attn.hook_k</c> [batch, pos, kv_head, d_head]: keys.</summary>
    public static readonly HookPoint AttnK = Block("attn.hook_k", KvHeads, "keys", Always);

    /// <summary><c>blocks.{l}.attn.hook_v</c> [batch, pos, kv_head, d_head]: values.</summary>
    public static readonly HookPoint AttnV = Block("attn.hook_v", KvHeads, "values", Always);

    /// <summary><c>blocks.{l}.attn.hook_rot_q</c> [batch, pos, head, d_head]: rotary-embedded queries.</summary>
    public static readonly HookPoint AttnRotQ = Block("attn.hook_rot_q", Heads, "rotary-embedded queries", c =>
        c.Positions == PositionKind.Rotary
    );

    /// <summary><c>blocks.{l}.attn.hook_rot_k</c> [batch, pos, kv_head, d_head]: rotary-embedded keys.</summary>
    public static readonly HookPoint AttnRotK = Block("attn.hook_rot_k", KvHeads, "rotary-embedded keys", c =>
        c.Positions == PositionKind.Rotary
    );

    /// <summary><c>blocks.{l}.attn.hook_attn_scores</c> [batch, head, q, k]: scaled, masked attention logits.</summary>
    public static readonly HookPoint AttnScores = Block(
        "attn.hook_attn_scores",
        Map,
        "scaled, masked attention logits",
        Always
    );

    /// <summary><c>blocks.{l}.attn.hook_pattern</c> [batch, head, q, k]: attention probabilities.</summary>
    public static readonly HookPoint AttnPattern = Block("attn.hook_pattern", Map, "attention probabilities", Always);

    /// <summary><c>blocks.{l}.attn.hook_z</c> [batch, pos, head, d_head]: pattern-weighted values per head.</summary>
    public static readonly HookPoint AttnZ = Block("attn.hook_z", Heads, "pattern-weighted values per head", Always);

    /// <summary><c>blocks.{l}.attn.hook_result</c> [batch, pos, head, d_model]: each head's output (opt-in).</summary>
    public static readonly HookPoint AttnResult = Block(
        "attn.hook_result",
        new[] { "batch", "pos", "head", "d_model" },
        "each head's output, before the output bias (opt-in)",
        Always,
        optIn: true
    );

    /// <summary><c>blocks.{l}.hook_attn_out</c> [batch, pos, d_model]: attention output.</summary>
    public static readonly HookPoint AttnOut = Block("hook_attn_out", Resid, "attention output", Always);

    /// <summary><c>blocks.{l}.hook_resid_mid</c> [batch, pos, d_model]: residual between attention and MLP (absent in parallel pre-norm blocks with an MLP).</summary>
    public static readonly HookPoint ResidMid = Block(
        "hook_resid_mid",
        Resid,
        "residual stream between attention and MLP",
        c => c.PostNorm || !c.ParallelAttnMlp || !c.HasMlp
    );

    /// <summary><c>blocks.{l}.ln2.hook_scale</c> [batch, pos, 1]: MLP norm divisor (after hook_mlp_out in post-norm blocks).</summary>
    public static readonly HookPoint Ln2Scale = Block(
        "ln2.hook_scale",
        Scale,
        "MLP norm divisor",
        NormedMlp,
        anchor: c => c.PostNorm ? MlpOut : null
    );

    /// <summary><c>blocks.{l}.ln2.hook_normalized</c> [batch, pos, d_model]: MLP norm output.</summary>
    public static readonly HookPoint Ln2Normalized = Block(
        "ln2.hook_normalized",
        Resid,
        "MLP norm output",
        NormedMlp,
        anchor: c => c.PostNorm ? MlpOut : null
    );

    /// <summary><c>blocks.{l}.mlp.hook_pre</c> [batch, pos, d_mlp]: the activation function's input (the gate in gated MLPs).</summary>
    public static readonly HookPoint MlpPre = Block(
        "mlp.hook_pre",
        Neurons,
        "activation function input (the gate in gated MLPs)",
        c => c.HasMlp
    );

    /// <summary><c>blocks.{l}.mlp.hook_pre_linear</c> [batch, pos, d_mlp]: the linear branch of a gated MLP.</summary>
    public static readonly HookPoint MlpPreLinear = Block(
        "mlp.hook_pre_linear",
        Neurons,
        "linear branch of a gated MLP",
        c => c.HasMlp && c.GatedMlp
    );

    /// <summary><c>blocks.{l}.mlp.hook_post</c> [batch, pos, d_mlp]: neuron activations.</summary>
    public static readonly HookPoint MlpPost = Block("mlp.hook_post", Neurons, "neuron activations", c => c.HasMlp);

    /// <summary><c>blocks.{l}.hook_mlp_out</c> [batch, pos, d_model]: MLP output.</summary>
    public static readonly HookPoint MlpOut = Block("hook_mlp_out", Resid, "MLP output", c => c.HasMlp);

    /// <summary><c>blocks.{l}.hook_resid_post</c> [batch, pos, d_model]: the residual stream leaving the block.</summary>
    public static readonly HookPoint ResidPost = Block(
        "hook_resid_post",
        Resid,
        "residual stream leaving the block",
        Always
    );

    /// <summary><c>ln_final.hook_scale</c> [batch, pos, 1]: final norm divisor.</summary>
    public static readonly HookPoint LnFinalScale = Model("ln_final.hook_scale", Scale, "final norm divisor", c =>
        c.FinalNorm && !c.PostNorm && c.Norm != NormKind.None
    );

    /// <summary><c>ln_final.hook_normalized</c> [batch, pos, d_model]: final norm output.</summary>
    public static readonly HookPoint LnFinalNormalized = Model(
        "ln_final.hook_normalized",
        Resid,
        "final norm output",
        c => c.FinalNorm && !c.PostNorm && c.Norm != NormKind.None
    );

    /// <summary>Every hook point, in table order (model-level points before the blocks, block points, final norm).</summary>
    public static IReadOnlyList<HookPoint> All { get; } =
        new[]
        {
            Embed,
            PosEmbed,
            TokenTypeEmbed,
            EmbedLnScale,
            EmbedLnNormalized,
            ResidPre,
            Ln1Scale,
            Ln1Normalized,
            AttnQ,
            AttnK,
            AttnV,
            AttnRotQ,
            AttnRotK,
            AttnScores,
            AttnPattern,
            AttnZ,
            AttnResult,
            AttnOut,
            ResidMid,
            Ln2Scale,
            Ln2Normalized,
            MlpPre,
            MlpPreLinear,
            MlpPost,
            MlpOut,
            ResidPost,
            LnFinalScale,
            LnFinalNormalized,
        };

    private static readonly Dictionary<string, HookPoint> ModelByLeaf = All.Where(p => p.Scope == HookScope.Model)
        .ToDictionary(p => p.Leaf, StringComparer.Ordinal);
    private static readonly Dictionary<string, HookPoint> BlockByLeaf = All.Where(p => p.Scope == HookScope.Block)
        .ToDictionary(p => p.Leaf, StringComparer.Ordinal);

    /// <summary>The point with this leaf and scope, or null.</summary>
    internal static HookPoint? Find(HookScope scope, ReadOnlySpan<char> leaf) =>
        (scope == HookScope.Model ? ModelByLeaf : BlockByLeaf)
            .GetAlternateLookup<ReadOnlySpan<char>>()
            .TryGetValue(leaf, out var p)
            ? p
            : null;

    /// <summary>The points of a model with config <paramref name="c"/>, in execution order within a block (points
    /// with an anchor in this config moved right after it, keeping their table order).</summary>
    internal static IReadOnlyList<HookPoint> InOrder(ModelConfig c, bool includeOptIn)
    {
        var present = All.Where(p => p.IsPresent(c) && (includeOptIn || !p.OptIn)).ToList();
        var order = present.Where(p => p.AnchorIn(c) is null).ToList();
        var placedAfter = new Dictionary<HookPoint, int>();
        foreach (var p in present)
        {
            if (p.AnchorIn(c) is not { } anchor)
                continue;
            int at = order.IndexOf(anchor);
            if (at < 0)
                throw new InvalidOperationException(
                    $"hook '{p.Leaf}' is anchored to '{anchor.Leaf}', which this model lacks"
                );
            int n = placedAfter.GetValueOrDefault(anchor);
            order.Insert(at + 1 + n, p);
            placedAfter[anchor] = n + 1;
        }
        return order;
    }
}
